/**
 * Keys over time, on a real Ordo (`startNode`: listening server, SQLite file, secrets folder):
 * Ordo's receipt key rotated with `ordo rotate-signing-key` between two starts (old receipts
 * still verify against the JWKS, new ones carry the new kid), retired keys given by
 * ORDO_RETIRED_SIGNING_KEYS on Node and Workers, and a practitioner's key revoked (it signs
 * nothing new; what it signed before still verifies).
 */
import { decodeProtectedHeader, type JWK } from 'jose';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTrace, verifyBundle } from '../../src/client/bundle.js';
import { OrdoClient, type Actor } from '../../src/client/client.js';
import { OrdoProblemError } from '../../src/client/errors.js';
import { exportPrivateJwk } from '../../src/client/keys.js';
import { generateKey, signDocument, signRequestToken } from '../../src/client/sign.js';
import { generateSigningJwk, publicReceiptJwk } from '../../src/crypto/ordo-keys.js';
import { verifyReceipt } from '../../src/domain/verify-trace.js';
import { startNode } from '../../src/node/server.js';
import worker from '../../src/worker.js';
import { expectRefusal, runOrdo } from '../support/run-ordo.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const secrets = join(dir, 'secrets');
// One issuer across restarts: on PORT=0 the default issuer would follow the port bound each time.
const env = { PORT: '0', ORDO_ISSUER: 'https://ordo.test', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: secrets };
const start = (extra: Record<string, string> = {}) => startNode({ env: { ...env, ...extra }, log: () => {} });
const clientOf = (s: Awaited<ReturnType<typeof start>>) =>
  new OrdoClient({ url: `http://127.0.0.1:${s.port}`, issuer: s.deps.config.issuer, adminToken: s.deps.keys.adminToken });
const kidOf = (jws: string) => decodeProtectedHeader(jws).kid;
const rotate = (secretsDir = secrets, extraEnv: Record<string, string> = {}) => runOrdo(['rotate-signing-key', '--secrets', secretsDir, '--json'], { cwd: dir, env: extraEnv });
const rx = (quantity = 2) => ({
  patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
  items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3', quantity, unit: 'boîte' }],
});

describe("rotating Ordo's receipt key", () => {
  const doctor: Actor[] = [];
  const pharmacy: Actor[] = [];

  it('old receipts verify against the JWKS after a restart with the new key; new receipts carry the new kid', async () => {
    // Key A.
    const a = await start();
    const kidA = a.deps.keys.signer.kid;
    let ordo = clientOf(a);
    doctor.push({ id: 'rot-md', key: await generateKey() });
    pharmacy.push({ id: 'rot-ph', key: await generateKey('P-256') });
    await ordo.addActor({ id: 'rot-md', kind: 'prescriber', name: 'Dr Rotation', keys: [doctor[0]!.key.publicJwk] });
    await ordo.addActor({ id: 'rot-ph', kind: 'pharmacy', name: 'Pharmacie Tournante', keys: [pharmacy[0]!.key.publicJwk] });
    const old = await ordo.as(doctor[0]!).prescribe(rx());
    const oldClaim = await ordo.as(pharmacy[0]!).claim(old.code);
    const oldDispense = await ordo.as(pharmacy[0]!).dispense(oldClaim.claim.id, old.id, [{ item: 0, quantity: 1 }]);
    const receiptsA = [old.receipt, oldClaim.receipt, oldDispense.receipt];
    expect(receiptsA.map(kidOf)).toEqual([kidA, kidA, kidA]);
    expect((await ordo.jwks()).keys.map((k) => k.kid)).toEqual([kidA]);
    await a.close();

    // Rotate on the stopped server's secrets folder.
    const r = await rotate();
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { kid: string; retiredKid: string; retired: string[]; restartNeeded: boolean };
    expect(out).toMatchObject({ retiredKid: kidA, retired: [kidA], restartNeeded: true });
    const kidB = out.kid;
    expect(kidB).not.toBe(kidA);
    for (const f of ['signing-key.jwk', 'retired-signing-keys.json']) expect(statSync(join(secrets, f)).mode & 0o777).toBe(0o600);
    const retiredFile = JSON.parse(readFileSync(join(secrets, 'retired-signing-keys.json'), 'utf8')) as JWK[];
    expect(retiredFile).toHaveLength(1);
    expect(retiredFile[0]).toMatchObject({ kid: kidA, use: 'sig' });
    expect(retiredFile[0]).not.toHaveProperty('d'); // only the public half is kept

    // Key B.
    const b = await start();
    ordo = clientOf(b);
    expect(b.deps.keys.signer.kid).toBe(kidB);
    const jwks = await ordo.jwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual([kidB, kidA]);
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');
    for (const receipt of receiptsA) await expect(verifyReceipt(receipt, jwks, b.deps.config.issuer)).resolves.toMatchObject({ sub: old.id });

    const fresh = await ordo.as(doctor[0]!).prescribe(rx());
    const freshClaim = await ordo.as(pharmacy[0]!).claim(fresh.code);
    const freshDispense = await ordo.as(pharmacy[0]!).dispense(freshClaim.claim.id, fresh.id, [{ item: 0, quantity: 2 }]);
    expect([fresh.receipt, freshClaim.receipt, freshDispense.receipt].map(kidOf)).toEqual([kidB, kidB, kidB]);
    // The old prescription goes on under key B: its trace now mixes both keys' receipts.
    const later = await ordo.as(pharmacy[0]!).claim(old.code);
    expect((await ordo.as(pharmacy[0]!).dispense(later.claim.id, old.id, [{ item: 0, quantity: 1 }])).status).toBe('completed');

    const oldBundle = await exportTrace(ordo, old.code);
    expect(oldBundle.events.map((e) => kidOf(e.receipt))).toEqual([kidA, kidA, kidA, kidB, kidB]);
    expect(await verifyBundle(oldBundle, receiptsA)).toEqual({ ok: true, events: 5 });
    expect(await verifyBundle(await exportTrace(ordo, fresh.code))).toEqual({ ok: true, events: 3 });
    // Without the retired key, the old receipts would not verify: the JWKS is what keeps them valid.
    const currentOnly = { ...oldBundle, ordoJwks: { keys: jwks.keys.filter((k) => k.kid === kidB) } };
    expect(await verifyBundle(currentOnly)).toMatchObject({ ok: false, index: 0, check: 'receipt', message: expect.stringMatching(/not among Ordo's keys/) });
    await b.close();

    // A second rotation appends: both earlier keys stay published.
    const r2 = await rotate();
    expect(r2.code, r2.err).toBe(0);
    expect(r2.out).toMatch(new RegExp(`"retired": \\[\\s*"${kidA}",\\s*"${kidB}"\\s*\\]`));
    const c = await start();
    try {
      ordo = clientOf(c);
      expect((await ordo.jwks()).keys.map((k) => k.kid)).toEqual([c.deps.keys.signer.kid, kidA, kidB]);
      expect(await verifyBundle(await exportTrace(ordo, old.code), receiptsA)).toEqual({ ok: true, events: 5 });
      expect(await verifyBundle(await exportTrace(ordo, fresh.code))).toEqual({ ok: true, events: 3 });
    } finally {
      await c.close();
    }
  });

  it('rotate-signing-key refuses what it cannot rotate safely, changing nothing', async () => {
    expectRefusal(await rotate(join(dir, 'nowhere')), /nowhere is not a folder/);
    mkdirSync(join(dir, 'empty'));
    expectRefusal(await rotate(join(dir, 'empty')), /no signing-key\.jwk in .*empty: nothing to rotate/);
    expectRefusal(await rotate(secrets, { ORDO_SIGNING_KEY: '{}' }), /ORDO_SIGNING_KEY is set: .*rotate that variable instead/);

    const scratch = join(dir, 'scratch');
    cpSync(secrets, scratch, { recursive: true });
    const key = readFileSync(join(scratch, 'signing-key.jwk'), 'utf8');
    writeFileSync(join(scratch, 'retired-signing-keys.json'), '{"keys": []}');
    expectRefusal(await rotate(scratch), /retired-signing-keys\.json: expected a JSON array of JWKs; fix it first, nothing changed/);
    expect(readFileSync(join(scratch, 'signing-key.jwk'), 'utf8')).toBe(key);

    writeFileSync(join(scratch, 'signing-key.jwk'), JSON.stringify((await publicReceiptJwk(JSON.parse(key) as JWK)).publicJwk));
    expectRefusal(await rotate(scratch), /signing-key\.jwk is not a usable signing key .*nothing changed/);
  });
});

describe('ORDO_RETIRED_SIGNING_KEYS', () => {
  const other = join(dir, 'other');
  const otherEnv = { PORT: '0', ORDO_DB: join(other, 'data/ordo.db'), ORDO_SECRETS: join(other, 'secrets') };

  it('publishes the public halves of the keys listed, once each, beside the current key', async () => {
    const privateJwk = await generateSigningJwk();
    const p256 = await generateKey('P-256');
    const p256Public = { ...p256.publicJwk, kid: 'a-name-of-my-own' };
    const s = await startNode({ env: { ...otherEnv, ORDO_RETIRED_SIGNING_KEYS: JSON.stringify([privateJwk, p256Public, p256.publicJwk]) }, log: () => {} });
    try {
      const keys = (await clientOf(s).jwks()).keys;
      const privateKid = (await publicReceiptJwk(privateJwk)).kid;
      // The kid is the thumbprint Ordo signs with, whatever the input called it.
      expect(keys.map((k) => k.kid)).toEqual([s.deps.keys.signer.kid, privateKid, p256.kid]);
      expect(JSON.stringify(keys)).not.toContain(privateJwk.d!);
      expect(keys[2]).toEqual({ kty: 'EC', crv: 'P-256', x: p256.publicJwk.x, y: p256.publicJwk.y, kid: p256.kid, alg: 'ES256', use: 'sig' });
    } finally {
      await s.close();
    }
    // The current key listed among the retired ones is published once, as current; with the file, both lists count.
    const current = JSON.parse(readFileSync(join(other, 'secrets/signing-key.jwk'), 'utf8')) as JWK;
    writeFileSync(join(other, 'secrets/retired-signing-keys.json'), JSON.stringify([p256.publicJwk]));
    const again = await startNode({ env: { ...otherEnv, ORDO_RETIRED_SIGNING_KEYS: JSON.stringify([current, privateJwk]) }, log: () => {} });
    try {
      expect((await clientOf(again).jwks()).keys.map((k) => k.kid)).toEqual([again.deps.keys.signer.kid, (await publicReceiptJwk(privateJwk)).kid, p256.kid]);
    } finally {
      await again.close();
    }
  });

  it('refuses bad lists at start, naming the variable or the file, never the key material', async () => {
    const bad = (value: string) => startNode({ env: { ...otherEnv, ORDO_RETIRED_SIGNING_KEYS: value }, log: () => {} });
    await expect(bad('nope')).rejects.toThrow(/ORDO_RETIRED_SIGNING_KEYS: not JSON/);
    await expect(bad('{"keys":[]}')).rejects.toThrow(/ORDO_RETIRED_SIGNING_KEYS: expected a JSON array of JWKs/);
    await expect(bad('[{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQ"}]')).rejects.toThrow(/ORDO_RETIRED_SIGNING_KEYS: entry 0: not an Ed25519 \(OKP\) or P-256 \(EC\) key/);
    const p256 = await generateKey('P-256');
    const offCurve = { ...p256.publicJwk, y: p256.publicJwk.x };
    await expect(bad(JSON.stringify([p256.publicJwk, offCurve]))).rejects.toThrow(/entry 1: not a valid P-256 public key/);
    await expect(bad('[42]')).rejects.toThrow(/entry 0: not a JWK object/);
    const leaked = await bad(JSON.stringify([{ ...(await exportPrivateJwk(p256)), crv: 'P-384' }])).catch((err: Error) => err.message);
    expect(leaked).toMatch(/entry 0/);
    expect(leaked).not.toContain(p256.publicJwk.x as string);

    writeFileSync(join(other, 'secrets/retired-signing-keys.json'), '[{"kty":"OKP"');
    await expect(startNode({ env: otherEnv, log: () => {} })).rejects.toThrow(/retired-signing-keys\.json: not JSON/);
    rmSync(join(other, 'secrets/retired-signing-keys.json'));
  });

  it('is read by the Worker entry too: a bad list answers 503 misconfigured naming it (the JWKS on workerd: test/workers/retired-keys.test.ts)', async () => {
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as never;
    const base = { DB: {} as never, ORDO_ADMIN_TOKEN: 'a'.repeat(43), ORDO_SIGNING_KEY: JSON.stringify(await generateSigningJwk()), ORDO_TOKEN_KEY: 'b'.repeat(43) };
    const refused = await worker.fetch(new Request('https://ordo.test/.well-known/jwks.json'), { ...base, ORDO_RETIRED_SIGNING_KEYS: '[1]' }, ctx);
    expect(refused.status).toBe(503);
    const detail = ((await refused.json()) as { detail: string }).detail;
    expect(detail).toMatch(/ORDO_RETIRED_SIGNING_KEYS: entry 0: not a JWK object/);
    expect(detail).not.toMatch(/ORDO_SIGNING_KEY:|ORDO_TOKEN_KEY:|ORDO_ADMIN_TOKEN:/);
  });
});

describe("revoking a practitioner's key", () => {
  it('refuses new signatures with it (401 on a request token, 422 on a document) while the old trace still verifies', async () => {
    const s = await start();
    try {
      const ordo = clientOf(s);
      const [k1, k2, kp1, kp2] = await Promise.all([generateKey(), generateKey(), generateKey('P-256'), generateKey()]);
      await ordo.addActor({ id: 'rev-md', kind: 'prescriber', name: 'Dr Révoquée', keys: [k1.publicJwk, k2.publicJwk] });
      await ordo.addActor({ id: 'rev-ph', kind: 'pharmacy', name: 'Pharmacie Révoquée', keys: [kp1.publicJwk, kp2.publicJwk] });
      const md1 = { id: 'rev-md', key: k1 };
      const ph1 = { id: 'rev-ph', key: kp1 };
      const issued = await ordo.as(md1).prescribe(rx());
      const claim = await ordo.as(ph1).claim(issued.code);
      await ordo.as(ph1).dispense(claim.claim.id, issued.id, [{ item: 0, quantity: 1 }]);

      const revoked = await ordo.revokeKey('rev-md', k1.kid);
      expect(revoked).toMatchObject({ kid: k1.kid, status: 'revoked' });
      await ordo.revokeKey('rev-ph', kp1.kid);

      // A request token signed with a revoked key: 401.
      const refused = await ordo.as(md1).prescribe(rx()).catch((err: OrdoProblemError) => err);
      expect(refused).toBeInstanceOf(OrdoProblemError);
      expect((refused as OrdoProblemError).problem).toMatchObject({ status: 401, code: 'unauthenticated', detail: expect.stringMatching(/revoked/) });
      const claimRefused = await ordo.as(ph1).claim(issued.code).catch((err: OrdoProblemError) => err);
      expect((claimRefused as OrdoProblemError).problem).toMatchObject({ status: 401, code: 'unauthenticated' });

      // A document signed with the revoked key, sent under a valid one: 422 bad_signature.
      const aud = s.deps.config.issuer;
      const document = await signDocument(k1, 'ordo-rx+jwt', { iss: 'rev-md', aud, jti: 'rx-after-revocation', iat: Math.floor(Date.now() / 1000), ...rx() });
      const body = JSON.stringify({ prescription: document });
      const token = await signRequestToken({ key: k2, iss: 'rev-md', aud, method: 'POST', path: '/v1/prescriptions', body });
      const res = await fetch(`http://127.0.0.1:${s.port}/v1/prescriptions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ code: 'bad_signature', detail: expect.stringMatching(/revoked key/) });

      // What the revoked keys signed before still verifies, and the other keys carry on.
      const before = await exportTrace(ordo, issued.code);
      expect(before.directory.find((d) => d.id === 'rev-md')!.keys.find((k) => k.kid === k1.kid)!.revokedAt).toBe(revoked.revokedAt);
      expect(await verifyBundle(before)).toEqual({ ok: true, events: 3 });
      const ph2 = { id: 'rev-ph', key: kp2 };
      const next = await ordo.as(ph2).claim(issued.code);
      expect((await ordo.as(ph2).dispense(next.claim.id, issued.id, [{ item: 0, quantity: 1 }])).status).toBe('completed');
      expect(await verifyBundle(await exportTrace(ordo, issued.code))).toEqual({ ok: true, events: 5 });
    } finally {
      await s.close();
    }
  });
});
