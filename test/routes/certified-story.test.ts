/**
 * A whole story with certified keys, through the app and the SDK: a prescriber with an RSA
 * (PS256) certificate and a pharmacy with a P-256 one enrol (POST /v1/enrol), then issue, claim,
 * dispense; the evidence bundle carries the chains and the CAs' CRLs, and verifies offline with
 * the anchors (also through `ordo verify --anchors`), not without them nor with another PKI's.
 * A CRL revoking the pharmacy's certificate after the dispense leaves the trace verified; a
 * backdated one, revoking it before the dispense, makes it fail.
 *
 * Ordo's clock runs 2 hours behind this machine's, so that the CRLs it accepts (thisUpdate no
 * later than its now) are not in the future for the offline verifier either; the SDK signs on
 * Ordo's clock (`clockOffset`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTrace, verifyBundle, type TraceBundle } from '../../src/client/bundle.js';
import { certificateCheck } from '../../src/client/certified.js';
import { OrdoClient } from '../../src/client/client.js';
import type { SigningKey } from '../../src/client/sign.js';
import type { V1DirectoryEntry, V1Problem } from '../../src/contract/index.js';
import { b64url, sha256 } from '../../src/crypto/hash.js';
import { encodeBase64 } from '../../src/log/note.js';
import { ISSUER, makeHarness } from '../support/harness.js';
import { anchorBlock, makeTestPki } from '../support/pki.js';
import { expectRefusal, runOrdo } from '../support/run-ordo.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const RPPS = '10101010101';
const FINESS = '750712184';

const pki = await makeTestPki();
const h = await makeHarness({ env: { ORDO_TRUST_ANCHORS: pki.anchorsText }, now: Date.now() - 120 * MINUTE });
afterAll(() => h.close());
const offset = { ms: h.clock.now - Date.now() };
/** Moves Ordo's clock, and the SDK's with it. */
const tick = (ms: number) => {
  h.advance(ms);
  offset.ms = h.clock.now - Date.now();
};
const admin = new OrdoClient({ url: 'http://ordo.local', issuer: ISSUER, adminToken: h.adminToken, clockOffset: offset, fetch: ((url: string, init: RequestInit) => h.app.request(url, init)) as typeof fetch });
const caId = async (der: Uint8Array) => b64url(await sha256(der));
const prescriberCa = await caId(pki.cas.prescriber.der);
const pharmacyCa = await caId(pki.cas.pharmacy.der);
const rootCa = await caId(pki.cas.root.der);
/** A CRL of `ca` issued at Ordo's now, revoking `revoked`. */
const crlNow = (ca: 'root' | 'prescriber' | 'pharmacy', revoked: { serial: string; at: Date }[] = []) =>
  pki.crl(ca, revoked, { thisUpdate: new Date(h.clock.now), nextUpdate: new Date(h.clock.now + 7 * DAY) });

const rxLeaf = await pki.leaf({ ca: 'prescriber', id: RPPS, key: 'rsa', title: 'médecin' });
const phLeaf = await pki.leaf({ ca: 'pharmacy', id: FINESS, key: 'p256' });
const doctor = admin.as({ id: RPPS, key: pki.signingKey(rxLeaf) as SigningKey });
const pharmacy = admin.as({ id: FINESS, key: pki.signingKey(phLeaf) as SigningKey });
const initialCrls = [await crlNow('root'), await crlNow('prescriber'), await crlNow('pharmacy')];

const verifyWith = async (b: TraceBundle, anchors = pki.anchorsText) => verifyBundle(b, [], await certificateCheck(anchors, b));

describe('certified practitioners, from enrolment to the offline verifier', () => {
  let dispensedAt = 0;
  let code = '';
  let bundle: TraceBundle;

  it('enrols an RSA (PS256) prescriber and a P-256 pharmacy; the directory shows their chains', async () => {
    for (const crl of initialCrls) await admin.loadCrl(crl);
    const rxEntry = await doctor.enrol({ kind: 'prescriber', x5c: rxLeaf.x5c });
    expect(rxEntry).toMatchObject({ id: RPPS, kind: 'prescriber' });
    expect(rxEntry.keys).toEqual([expect.objectContaining({ kid: rxLeaf.kid, alg: 'PS256', jwk: rxLeaf.publicJwk, status: 'active', x5c: [...rxLeaf.x5c, pki.cas.root.b64], cas: [prescriberCa, rootCa], validFrom: expect.any(String), validUntil: expect.any(String) })]);
    await pharmacy.enrol({ kind: 'pharmacy', x5c: phLeaf.x5c });
    const entry = (await (await h.send('GET', `/v1/directory/${FINESS}`)).json()) as V1DirectoryEntry;
    expect(entry.keys).toEqual([expect.objectContaining({ kid: phLeaf.kid, alg: 'ES256', x5c: [...phLeaf.x5c, pki.cas.root.b64], cas: [pharmacyCa, rootCa] })]);
    // The chain's period: within the leaf's (notBefore a day ago, notAfter in a year).
    expect(Date.parse(entry.keys[0]!.validFrom!)).toBeLessThan(h.clock.now);
    expect(Date.parse(entry.keys[0]!.validUntil!)).toBeGreaterThan(h.clock.now + 300 * DAY);
  });

  it('publishes the kept CRL of a CA (application/pkix-crl); 404 for a CA without one, 400 for what is not a CA id', async () => {
    const res = await h.send('GET', `/v1/directory/crls/${pharmacyCa}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pkix-crl');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(initialCrls[2]);
    const none = await h.send('GET', `/v1/directory/crls/${await caId(pki.cas.other.der)}`);
    expect(none.status).toBe(404);
    expect(((await none.json()) as V1Problem).code).toBe('not_found');
    expect((await h.send('GET', '/v1/directory/crls/not-an-id')).status).toBe(400);
  });

  it('issues, claims and dispenses; the bundle carries the CRLs and verifies with the anchors', async () => {
    const rx = await doctor.prescribe({
      patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
      items: [{ code: { system: 'ATC', value: 'N02BE01' }, label: 'Paracétamol', dosage: '1 g x3', quantity: 1, unit: 'boîte' }],
    });
    tick(MINUTE);
    const c = await pharmacy.claim(rx.code);
    tick(MINUTE);
    await pharmacy.dispense(c.claim.id, rx.id, [{ item: 0, quantity: 1 }]);
    dispensedAt = h.clock.now;
    code = rx.code;
    bundle = await exportTrace(admin, code);
    expect(bundle.events.map((e) => e.type)).toEqual(['issued', 'claimed', 'dispensed']);
    expect(Date.parse(bundle.events[2]!.at)).toBe(dispensedAt);
    expect([...bundle.crls!].sort()).toEqual(initialCrls.map(encodeBase64).sort());
    expect(await verifyBundle(bundle, [rx.receipt, c.receipt], await certificateCheck(pki.anchorsText, bundle))).toEqual({ ok: true, events: 3 });
  });

  it('fails `certificate` without the anchors, and with another PKI\'s', async () => {
    expect(await verifyBundle(bundle)).toMatchObject({ ok: false, index: 0, check: 'certificate', message: expect.stringMatching(/--anchors FILE/) });
    const elsewhere = [anchorBlock(pki.cas.otherRoot, ['kinds: prescriber pharmacy']), anchorBlock(pki.cas.other, ['kinds: prescriber pharmacy'])].join('\n');
    // The bundle's CRLs are not the other PKI's: every certified key fails, from the first event.
    expect(await verifyWith(bundle, elsewhere)).toMatchObject({ ok: false, index: 0, check: 'certificate' });
  });

  it('`ordo verify FILE --anchors ANCHORS` verifies; without --anchors it names the certificate failure; bad anchors are refused', async () => {
    const file = join(h.dir, 'trace.json');
    writeFileSync(file, JSON.stringify(bundle));
    writeFileSync(join(h.dir, 'anchors.pem'), pki.anchorsText);
    writeFileSync(join(h.dir, 'garbage.pem'), 'kinds: nurse\n');
    const [ok, without, bad] = await Promise.all([
      runOrdo(['verify', 'trace.json', '--anchors', 'anchors.pem'], { cwd: h.dir }),
      runOrdo(['verify', 'trace.json'], { cwd: h.dir }),
      runOrdo(['verify', 'trace.json', '--anchors', 'garbage.pem'], { cwd: h.dir }),
    ]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/verified: 3 events, every hash, signature and receipt, and certified keys against the anchors/);
    expect(without.code).toBe(1);
    expect(without.out).toMatch(/NOT VERIFIED at event 0 \(certificate\): .*give the trust anchors \(ordo verify --anchors FILE\)/);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--anchors garbage\.pem: /);
  });

  it('a CRL revoking the pharmacy after the dispense: still verified; a backdated one, before the dispense: not', async () => {
    tick(30 * MINUTE);
    // A CRL's dates are whole seconds.
    const tenMinutesLater = new Date(Math.floor(dispensedAt / 1000) * 1000 + 10 * MINUTE);
    const later = await admin.loadCrl(await crlNow('pharmacy', [{ serial: phLeaf.serial, at: tenMinutesLater }]));
    expect(later.revokedKeys).toEqual([{ actorId: FINESS, kid: phLeaf.kid, revokedAt: tenMinutesLater.toISOString() }]);
    const afterRevocation = await exportTrace(admin, code);
    expect(afterRevocation.directory.find((d) => d.id === FINESS)!.keys[0]).toMatchObject({ status: 'revoked' });
    expect(await verifyWith(afterRevocation)).toEqual({ ok: true, events: 3 });

    tick(MINUTE);
    const backdated = new Date(dispensedAt - 30_000);
    await admin.loadCrl(await crlNow('pharmacy', [{ serial: phLeaf.serial, at: backdated }]));
    const revoked = await exportTrace(admin, code);
    expect(await verifyWith(revoked)).toMatchObject({ ok: false, index: 2 });
    // The CRL alone says so, were the directory to hide the revocation.
    const hidden = { ...revoked, directory: revoked.directory.map((d) => ({ ...d, keys: d.keys.map((k) => ({ ...k, revokedAt: null })) })) as TraceBundle['directory'] };
    expect(await verifyWith(hidden)).toMatchObject({ ok: false, index: 2, check: 'certificate', message: expect.stringMatching(/revoked at/) });
  });

  it('`ordo admin crl FILE` loads a list, DER or PEM, and says what it did; a refused one is one line', async () => {
    const base = await h.listen();
    const env = { ORDO_URL: base, ORDO_ISSUER: ISSUER, ORDO_ADMIN_TOKEN: h.adminToken };
    tick(MINUTE);
    writeFileSync(join(h.dir, 'root.pem'), pki.pem(await crlNow('root'), 'X509 CRL'));
    writeFileSync(join(h.dir, 'old.crl'), await pki.crl('root', [], { thisUpdate: new Date(h.clock.now - DAY) }));
    writeFileSync(join(h.dir, 'other.crl'), await pki.crl('other', []));
    const [pem, old, other, missing] = await Promise.all([
      runOrdo(['admin', 'crl', 'root.pem'], { cwd: h.dir, env }),
      runOrdo(['admin', 'crl', 'old.crl'], { cwd: h.dir, env }),
      runOrdo(['admin', 'crl', 'other.crl'], { cwd: h.dir, env }),
      runOrdo(['admin', 'crl', 'nothing.crl'], { cwd: h.dir, env }),
    ]);
    expect(pem.code, pem.err).toBe(0);
    expect(pem.out).toMatch(/^CRL of CN=Ordo Test Root, O=Ordo Test PKI, C=FR \(thisUpdate .*, nextUpdate .*\) kept\n0 keys revoked\n$/);
    expect(old.code, old.err).toBe(0);
    expect(old.out).toMatch(/not kept: a list at least as recent is kept already/);
    expectRefusal(other, /422 crl_refused/);
    expectRefusal(missing, /cannot read CRL nothing\.crl \(it does not exist\)/);
  });
});
