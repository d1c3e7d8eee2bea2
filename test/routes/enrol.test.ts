/**
 * Enrolment by certificate and revocation lists, through the app over a real SQLite file, with
 * a test PKI (test/support/pki.ts): the certified practitioner starts prescribing with no
 * registrar, and each hostile case gets its status and problem code with nothing written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1CrlLoaded, V1DirectoryEntry } from '../../src/contract/index.js';
import type { SigningKey } from '../../src/client/sign.js';
import { COMMIT_PATHS, issue, makeHarness, type Harness, type HarnessOptions, type TestActor } from '../support/harness.js';
import { makeTestPki, type LeafOptions, type TestLeaf, type TestPki } from '../support/pki.js';
import { KeyUsageFlags } from '@peculiar/x509';
import { sha256b64url } from '../../src/crypto/hash.js';

const DAY = 86_400_000;
const RPPS = '10101010101';
const FINESS = '750712184';
/** The harness's clock, on the test PKI's dates (its certificates are made around the real time). */
const NOW = Math.floor(Date.now() / 1000) * 1000;

let pki: TestPki;
let h: Harness;
beforeAll(async () => {
  pki = await makeTestPki();
});

const actorOf = (id: string, kind: TestActor['kind'], leaf: TestLeaf): TestActor => ({ id, kind, key: pki.signingKey(leaf) as SigningKey });

function loadCrl(body: Uint8Array | string, type = 'application/pkix-crl', token = h.adminToken) {
  return h.app.request('/v1/admin/crl', { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': type, authorization: `Bearer ${token}` } });
}

/**
 * A request token signed with WebCrypto directly, for a key jose refuses to sign with (RSA
 * under 2,048 bits): what a client with such a certificate could still send.
 */
async function handSigned(leaf: TestLeaf, iss: string, path: string, body: string): Promise<string> {
  const iat = Math.floor(h.clock.now / 1000);
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = { iss, aud: h.deps.config.issuer, iat, exp: iat + 60, jti: `hand-${iat}-${Math.random()}`, htm: 'POST', htu: path, bdh: await sha256b64url(body) };
  const input = `${part({ alg: leaf.alg, kid: leaf.kid, typ: 'ordo-req+jwt' })}.${part(claims)}`;
  const sig = await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, leaf.privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(sig).toString('base64url')}`;
}

async function enrol(actor: TestActor, x5c: string[], o: { kind?: string; jti?: string; leaf?: TestLeaf } = {}) {
  const body = { kind: o.kind ?? actor.kind, x5c };
  const token = o.leaf ? await handSigned(o.leaf, actor.id, '/v1/enrol', JSON.stringify(body)) : undefined;
  const res = await h.call(actor, 'POST', '/v1/enrol', { body, jti: o.jti, token });
  return { status: res.status, body: (await res.json()) as V1DirectoryEntry & { code?: string; reason?: string; detail?: string } };
}

const keyCount = async () => (await h.rows('SELECT kid FROM actor_keys')).length;

/** A P-256 prescriber leaf for `id`, enrolled (201). */
async function enrolledLeaf(id: string): Promise<TestLeaf> {
  const leaf = await pki.leaf({ id, key: 'p256' });
  expect((await enrol(actorOf(id, 'prescriber', leaf), leaf.x5c)).status).toBe(201);
  return leaf;
}

/** `n` serials of no enrolled certificate, from `base`, revoked at `at`: the bulk of a long list. */
const otherSerials = (n: number, base: number, at: Date) => Array.from({ length: n }, (_, i) => ({ serial: (base + i).toString(16), at }));

/** The enrolment is refused with this status, code (and reason), and writes nothing. */
async function refused(leafOpts: LeafOptions | TestLeaf, expected: { status: number; code: string; reason?: string }, o: { iss?: string; kind?: string } = {}) {
  const leaf = 'x5c' in leafOpts ? leafOpts : await pki.leaf(leafOpts);
  const id = o.iss ?? ('id' in leafOpts ? leafOpts.id : RPPS);
  const before = await keyCount();
  const weak = 'key' in leafOpts && leafOpts.key === 'rsa1024';
  const got = await enrol(actorOf(id, (o.kind ?? 'prescriber') as TestActor['kind'], leaf), leaf.x5c, { kind: o.kind, leaf: weak ? leaf : undefined });
  expect({ status: got.status, code: got.body.code, reason: got.body.reason }, got.body.detail).toEqual({ reason: undefined, ...expected });
  expect(await keyCount()).toBe(before);
  expect((await h.rows('SELECT id FROM actors WHERE id = ?', id)).length).toBe(0);
}

describe.each<[string, HarnessOptions]>(COMMIT_PATHS)('%s', (_, store) => {
  beforeAll(async () => {
    h = await makeHarness({ ...store, now: NOW, env: { ORDO_TRUST_ANCHORS: pki.anchorsText, ORDO_CRL_GRACE: '3600' } });
    // Every CA of a path needs a list in force before its practitioners can enrol.
    for (const ca of ['root', 'prescriber', 'pharmacy'] as const) expect((await loadCrl(await pki.crl(ca, []))).status).toBe(200);
  });
  afterAll(() => h?.close());

  describe('enrolment by certificate', () => {
    let prescriber: TestActor;

    it('an RPPS practitioner with an RSA certificate enrols (PS256) and prescribes with no registrar', async () => {
      const leaf = await pki.leaf({ id: RPPS, key: 'rsa', givenName: 'Claire', surname: 'Roussel', title: 'médecin' });
      prescriber = actorOf(RPPS, 'prescriber', leaf);
      const got = await enrol(prescriber, leaf.x5c);
      expect(got.status, got.body.detail).toBe(201);
      expect(got.body).toMatchObject({ id: RPPS, kind: 'prescriber', name: 'Claire Roussel', profession: 'médecin', status: 'active' });
      const [key] = got.body.keys as (V1DirectoryEntry['keys'][number] & { alg: string; x5c: string[]; cas: string[] })[];
      expect(key).toMatchObject({ kid: leaf.kid, alg: 'PS256', status: 'active' });
      expect(key!.x5c[0]).toBe(leaf.x5c[0]);
      expect(key!.x5c).toHaveLength(3); // the leaf, its CA, the root
      expect(key!.cas).toHaveLength(2);
      const issued = await issue(h, prescriber);
      expect(issued.status).toBe('active');
    });

    it('a FINESS pharmacy with a P-256 certificate enrols (ES256) and signs requests', async () => {
      const leaf = await pki.leaf({ ca: 'pharmacy', id: FINESS, key: 'p256', organizationName: 'Pharmacie du Marché' });
      const pharmacy = actorOf(FINESS, 'pharmacy', leaf);
      const got = await enrol(pharmacy, leaf.x5c.slice(0, 1)); // the leaf alone: Ordo has the CAs
      expect(got.status, got.body.detail).toBe(201);
      expect(got.body).toMatchObject({ id: FINESS, kind: 'pharmacy', name: 'Pharmacie du Marché', profession: null });
      expect((got.body.keys[0] as { alg: string }).alg).toBe('ES256');
      expect((await h.call(pharmacy, 'GET', '/v1/claims')).status).toBe(200);
    });

    it('the same key again answers the entry (200); a second key is added; a replayed token writes nothing', async () => {
      const leaf = await pki.leaf({ id: '10000000002', key: 'p256', givenName: 'Jean', surname: 'Martin' });
      const a = actorOf('10000000002', 'prescriber', leaf);
      expect((await enrol(a, leaf.x5c, { jti: 'enrol-jti-00000001' })).status).toBe(201);
      const again = await enrol(a, leaf.x5c);
      expect(again.status).toBe(200);
      expect(again.body.keys).toHaveLength(1);
      const replay = await enrol(a, leaf.x5c, { jti: 'enrol-jti-00000001' });
      expect([replay.status, replay.body.code]).toEqual([401, 'replayed_token']);
      const second = await pki.leaf({ id: '10000000002', key: 'p256', givenName: 'Jean', surname: 'Martin' });
      const b = actorOf('10000000002', 'prescriber', second);
      const added = await enrol(b, second.x5c);
      expect(added.status).toBe(201);
      expect(added.body.keys.map((k) => k.kid).sort()).toEqual([leaf.kid, second.kid].sort());
      const replayNew = await enrol(actorOf('10000000002', 'prescriber', await pki.leaf({ id: '10000000002', key: 'p256' })), second.x5c, { jti: 'enrol-jti-00000001' });
      expect(replayNew.status).toBe(401);
    });

    it('refuses each bad certificate with its reason, writing nothing', async () => {
      await refused({ id: '10000000011', notBefore: new Date(NOW - 400 * DAY), notAfter: new Date(NOW - DAY) }, { status: 422, code: 'certificate_refused', reason: 'expired' });
      await refused({ id: '10000000012', notBefore: new Date(NOW + DAY), notAfter: new Date(NOW + 400 * DAY) }, { status: 422, code: 'certificate_refused', reason: 'not_yet_valid' });
      await refused({ id: '10000000013', keyUsage: KeyUsageFlags.keyEncipherment }, { status: 422, code: 'certificate_refused', reason: 'key_usage' });
      await refused({ id: '10000000014', ca_cert: true }, { status: 422, code: 'certificate_refused', reason: 'not_end_entity' });
      await refused({ id: '10000000015', ca: 'other' }, { status: 422, code: 'certificate_refused', reason: 'untrusted' });
      await refused({ id: '10000000016', ca: 'impostor' }, { status: 422, code: 'certificate_refused', reason: 'untrusted' });
      await refused({ id: '10000000017', key: 'ed25519' }, { status: 422, code: 'certificate_refused', reason: 'algorithm' });
      await refused({ id: '10000000018', key: 'rsa1024' }, { status: 422, code: 'certificate_refused', reason: 'algorithm' });
    });

    it('a pharmacy certificate cannot enrol a prescriber; a certificate for another id than the token claims is refused', async () => {
      await refused({ ca: 'pharmacy', id: '750000019', key: 'p256' }, { status: 422, code: 'certificate_refused', reason: 'kind' }, { kind: 'prescriber' });
      await refused(await pki.leaf({ id: '10000000020', key: 'p256' }), { status: 422, code: 'certificate_refused', reason: 'identifier' }, { iss: '10000000021' });
    });

    it('a certificate over a published sandbox test key is refused outside a sandbox (400), writing nothing', async () => {
      const jwk = JSON.parse(readFileSync(join(import.meta.dirname, '../../sandbox/keys/SANDBOX-TEST-KEY-sandbox-prescriber-2.jwk'), 'utf8')) as JsonWebKey;
      const { d: _private, ...pub } = jwk;
      const EC = { name: 'ECDSA', namedCurve: 'P-256' };
      const keys = { privateKey: await crypto.subtle.importKey('jwk', jwk, EC, true, ['sign']), publicKey: await crypto.subtle.importKey('jwk', pub, EC, true, ['verify']) };
      const leaf = await pki.leaf({ id: '10000000031', keys });
      await refused(leaf, { status: 400, code: 'bad_request' }, { iss: '10000000031' });
    });

    it('proof of possession: no token, or a token signed by another key than the certificate’s, is 401', async () => {
      const leaf = await pki.leaf({ id: '10000000030', key: 'p256' });
      const before = await keyCount();
      const none = await h.send('POST', '/v1/enrol', { body: JSON.stringify({ kind: 'prescriber', x5c: leaf.x5c }) });
      expect([none.status, ((await none.json()) as { code: string }).code]).toEqual([401, 'unauthenticated']);
      const other = await pki.leaf({ id: '10000000030', key: 'p256' });
      const wrong = await enrol(actorOf('10000000030', 'prescriber', other), leaf.x5c);
      expect([wrong.status, wrong.body.code]).toEqual([401, 'unauthenticated']);
      expect(await keyCount()).toBe(before);
    });
  });

  describe('revocation lists', () => {
    it('a CRL revokes an enrolled key at its revocation date; a revoked certificate cannot enrol after', async () => {
      const leaf = await pki.leaf({ id: '10000000040', key: 'p256' });
      const a = actorOf('10000000040', 'prescriber', leaf);
      expect((await enrol(a, leaf.x5c)).status).toBe(201);
      expect((await h.call(a, 'GET', '/v1/prescriptions')).status).toBe(200);
      const at = new Date(NOW - 60_000);
      const res = await loadCrl(await pki.crl('prescriber', [{ serial: leaf.serial, at }]));
      const loaded = (await res.json()) as V1CrlLoaded;
      expect(res.status).toBe(200);
      expect(loaded.revokedKeys).toEqual([{ actorId: '10000000040', kid: leaf.kid, revokedAt: at.toISOString() }]);
      const after = await h.call(a, 'GET', '/v1/prescriptions');
      expect(after.status).toBe(401);
      const entry = (await (await h.send('GET', '/v1/directory/10000000040')).json()) as V1DirectoryEntry;
      expect(entry.keys[0]).toMatchObject({ status: 'revoked', revokedAt: at.toISOString() });
      // A new enrolment with the revoked certificate, after the list was loaded.
      const again = await pki.leaf({ id: '10000000041', key: 'p256', serial: 'abcdef01' });
      expect((await loadCrl(await pki.crl('prescriber', [{ serial: leaf.serial, at }, { serial: 'abcdef01', at }], { thisUpdate: new Date(NOW - 1000) }))).status).toBe(200);
      await refused(again, { status: 422, code: 'certificate_refused', reason: 'revoked' }, { iss: '10000000041' });
    });

    it('refuses a CRL signed by another CA, tampered, stale, in the future, or not a CRL, writing nothing', async () => {
      const kept = await h.rows('SELECT ca, this_update FROM crls ORDER BY ca');
      const cases: [Uint8Array | string, string, number, string, string?][] = [
        [await pki.crl('prescriber', [], { signer: 'other' }), 'application/pkix-crl', 422, 'crl_refused', 'bad_signature'],
        [await pki.crl('other', []), 'application/pkix-crl', 422, 'crl_refused', 'untrusted'],
        [await pki.crl('prescriber', [], { thisUpdate: new Date(NOW - 10 * DAY), nextUpdate: new Date(NOW - DAY) }), 'application/pkix-crl', 422, 'crl_refused', 'stale'],
        [await pki.crl('prescriber', [], { thisUpdate: new Date(NOW + DAY), nextUpdate: new Date(NOW + 8 * DAY) }), 'application/pkix-crl', 422, 'crl_refused', 'not_yet_valid'],
        [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), 'application/pkix-crl', 422, 'crl_refused', 'malformed'],
        ['{"crl": 1}', 'application/json', 415, 'unsupported_media_type'],
        [new Uint8Array(), 'application/pkix-crl', 400, 'bad_request'],
      ];
      for (const [body, type, status, code, reason] of cases) {
        const res = await loadCrl(body, type);
        const p = (await res.json()) as { code: string; reason?: string };
        expect([res.status, p.code, p.reason]).toEqual([status, code, reason]);
      }
      expect((await loadCrl(await pki.crl('prescriber', []), 'application/pkix-crl', 'not-the-token')).status).toBe(401);
      expect(await h.rows('SELECT ca, this_update FROM crls ORDER BY ca')).toEqual(kept);
    });

    it('a list of 2,000 serials (past the 10,000 ASN.1 nodes asn1js reads by default) revokes the keys it names, whichever chunk they fall in, at their dates; a later list never moves a revocation later', async () => {
      const [first, second] = [await enrolledLeaf('10000000060'), await enrolledLeaf('10000000061')];
      const early = new Date(NOW - 3_600_000);
      const late = new Date(NOW - 60_000);
      const filler = otherSerials(2000, 0x7000000, late);
      // `first` in the third chunk of 500 (store/certificate-store.ts CRL_CHUNK), `second` in the second.
      filler.splice(1100, 0, { serial: first.serial, at: early });
      filler.splice(700, 0, { serial: second.serial, at: late });
      const res = await loadCrl(await pki.crl('prescriber', filler, { thisUpdate: new Date(NOW - 900) }));
      expect(res.status).toBe(200);
      const loaded = (await res.json()) as V1CrlLoaded;
      expect(loaded.revokedKeys.sort((a, b) => a.actorId.localeCompare(b.actorId))).toEqual([
        { actorId: '10000000060', kid: first.kid, revokedAt: early.toISOString() },
        { actorId: '10000000061', kid: second.kid, revokedAt: late.toISOString() },
      ]);
      // A newer list giving `second` a later date changes nothing; an earlier date moves it earlier.
      const later = await loadCrl(await pki.crl('prescriber', [{ serial: second.serial, at: new Date(NOW - 30_000) }], { thisUpdate: new Date(NOW - 800) }));
      expect(((await later.json()) as V1CrlLoaded).revokedKeys).toEqual([]);
      const earlier = await loadCrl(await pki.crl('prescriber', [{ serial: second.serial, at: early }], { thisUpdate: new Date(NOW - 700) }));
      expect(((await earlier.json()) as V1CrlLoaded).revokedKeys).toEqual([{ actorId: '10000000061', kid: second.kid, revokedAt: early.toISOString() }]);
      expect(await h.rows('SELECT revoked_at FROM actor_keys WHERE kid = ?', second.kid)).toEqual([{ revoked_at: early.toISOString() }]);
    });

    it('a serial listed twice, in two chunks, revokes its key at the earlier of its dates', async () => {
      const leaf = await enrolledLeaf('10000000062');
      const early = new Date(NOW - 2 * 3_600_000);
      const late = new Date(NOW - 120_000);
      const filler = otherSerials(600, 0x7100000, late);
      // The later date in the first chunk of 500, the earlier in the second.
      filler.splice(10, 0, { serial: leaf.serial, at: late });
      filler.splice(550, 0, { serial: leaf.serial, at: early });
      const res = await loadCrl(await pki.bulkCrl('prescriber', filler, { thisUpdate: new Date(NOW - 600) }));
      expect(res.status).toBe(200);
      expect(((await res.json()) as V1CrlLoaded).revokedKeys).toEqual([{ actorId: '10000000062', kid: leaf.kid, revokedAt: early.toISOString() }]);
      expect(await h.rows('SELECT revoked_at FROM actor_keys WHERE kid = ?', leaf.kid)).toEqual([{ revoked_at: early.toISOString() }]);
    });

    it('takes PEM; an older list than the one kept stays unkept', async () => {
      const newer = await pki.crl('pharmacy', [], { thisUpdate: new Date(NOW - 500) });
      expect(((await (await loadCrl(newer)).json()) as V1CrlLoaded).kept).toBe(true);
      const older = pki.pem(await pki.crl('pharmacy', [], { thisUpdate: new Date(NOW - 2 * 3_600_000) }), 'X509 CRL');
      const res = await loadCrl(older, 'application/x-pem-file');
      expect(res.status).toBe(200);
      expect(((await res.json()) as V1CrlLoaded).kept).toBe(false);
    });

    it('a stale list stops certified keys (403 revocation_unknown) and only them, until a newer one is loaded', async () => {
      const leaf = await pki.leaf({ ca: 'pharmacy', id: '750000050', key: 'p256' });
      const certified = actorOf('750000050', 'pharmacy', leaf);
      expect((await enrol(certified, leaf.x5c)).status).toBe(201);
      const raw = await h.addActor('pharmacy');
      const start = h.clock.now;
      try {
        h.clock.now = start + 7 * DAY + 2 * 3_600_000; // past nextUpdate (7 days) + ORDO_CRL_GRACE (1 h)
        const res = await h.call(certified, 'GET', '/v1/claims');
        expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([403, 'revocation_unknown']);
        expect((await h.call(raw, 'GET', '/v1/claims')).status).toBe(200);
      } finally {
        h.clock.now = start;
      }
    });
  });
});

describe('without trust anchors', () => {
  it('enrolment and revocation lists are 404 not_found', async () => {
    const plain = await makeHarness({ now: NOW });
    try {
      const leaf = await pki.leaf({ id: RPPS, key: 'p256' });
      const res = await plain.call(actorOf(RPPS, 'prescriber', leaf), 'POST', '/v1/enrol', { body: { kind: 'prescriber', x5c: leaf.x5c } });
      expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([404, 'not_found']);
      const crl = await plain.app.request('/v1/admin/crl', { method: 'POST', body: new Uint8Array(await pki.crl('root', [])), headers: { 'content-type': 'application/pkix-crl', authorization: `Bearer ${plain.adminToken}` } });
      expect(crl.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
