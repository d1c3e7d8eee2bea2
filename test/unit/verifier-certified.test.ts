/**
 * The verifier's checks of certified keys: the directory's `alg` against the key's type, the
 * chain's period, the `certificate` check without anchors or with a check that refuses, and the
 * real check (client/certified.ts: checkCertifiedAt and readCrls) wired through verifyBundle:
 * the test PKI's anchors, another PKI's, CRLs revoking after and before an event, a CRL the
 * anchors do not vouch for, a chain certifying another key. The pharmacy's key is a P-256 leaf
 * of the test PKI, registered as a plain key; the bundle's directory then shows it certified,
 * as enrolment would have stored it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { exportTrace, verifyBundle, type TraceBundle } from '../../src/client/bundle.js';
import { certificateCheck } from '../../src/client/certified.js';
import { OrdoClient } from '../../src/client/client.js';
import { encodeBase64 } from '../../src/log/note.js';
import { parseTrustAnchors, validateChain } from '../../src/crypto/x509/index.js';
import { signingAlgOf, type CertificateCheck, type DirectoryKey } from '../../src/domain/verify-trace.js';
import type { SigningKey } from '../../src/client/sign.js';
import { issue, ISSUER, makeHarness, T0, type TestActor } from '../support/harness.js';
import { anchorBlock, makeTestPki } from '../support/pki.js';
import { claim, dispense } from '../support/redeem.js';

const DAY = 86_400_000;
const pki = await makeTestPki();
const anchors = await parseTrustAnchors(pki.anchorsText);
const h = await makeHarness();
afterAll(() => h.close());

const FINESS = '750712184';
const leaf = await pki.leaf({ ca: 'pharmacy', id: FINESS, key: 'p256', notBefore: new Date(T0 - 10 * DAY), notAfter: new Date(T0 + 30 * DAY) });
const registered = await h.admin('POST', '/v1/admin/actors', { id: FINESS, kind: 'pharmacy', name: 'Pharmacie du Centre', keys: [leaf.publicJwk] });
if (registered.status !== 201) throw new Error(`pharmacy: ${registered.status} ${await registered.text()}`);
const pharmacy: TestActor = { id: FINESS, kind: 'pharmacy', key: pki.signingKey(leaf) as SigningKey };
const doctor = await h.addActor('prescriber');

// issued (the doctor's Ed25519 key) at T0, claimed at T0 + 1 min, dispensed at T0 + 2 min (the pharmacy's certified key).
const rx = await issue(h, doctor);
h.advance(60_000);
const c = await claim(h, pharmacy, rx.code);
h.advance(60_000);
await dispense(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 2 }]);
const sdk = new OrdoClient({ url: 'http://ordo.local', issuer: ISSUER, fetch: ((url: string, init: RequestInit) => h.app.request(url, init)) as typeof fetch });
const plain = await exportTrace(sdk, rx.code);
const atOf = (i: number) => Date.parse(plain.events[i]!.at);

/** What enrolment stores for the leaf: its chain, period, CAs and alg. */
const certified = await validateChain(anchors, leaf.x5c, { at: T0, kind: 'pharmacy', actorId: FINESS });
/** The bundle with the pharmacy's key shown certified (`over` bends what the directory says of it), and `crls`. */
function bundleWith(over: Partial<DirectoryKey> = {}, crls?: Uint8Array[]): TraceBundle {
  const directory = plain.directory.map((d) => (d.id !== FINESS ? d : {
    ...d, keys: d.keys.map((k) => ({ ...k, alg: certified.alg, x5c: certified.x5c, validFrom: certified.validFrom, validUntil: certified.validUntil, cas: certified.cas, ...over })),
  })) as TraceBundle['directory'];
  return { ...plain, directory, ...(crls && { crls: crls.map(encodeBase64) }) };
}

describe('the verifier and certified keys', () => {
  it('verifies the plain trace; a certified key without a certificate check fails `certificate`, naming --anchors', async () => {
    expect(await verifyBundle(plain)).toEqual({ ok: true, events: 3 });
    expect(await verifyBundle(bundleWith())).toMatchObject({ ok: false, index: 1, check: 'certificate', message: expect.stringMatching(/certified key: give the trust anchors \(ordo verify --anchors FILE\)/) });
  });

  it('asks the check once per event of a certified key, at its time; its message is the failure, as is what it throws', async () => {
    const calls: [string, { id: string; kind: string }, number][] = [];
    const record: CertificateCheck = async (key, actor, at) => {
      calls.push([key.kid, actor, at]);
      return null;
    };
    expect(await verifyBundle(bundleWith(), [], record)).toEqual({ ok: true, events: 3 });
    expect(calls).toEqual([
      [leaf.kid, expect.objectContaining({ id: FINESS, kind: 'pharmacy' }), atOf(1)],
      [leaf.kid, expect.objectContaining({ id: FINESS, kind: 'pharmacy' }), atOf(2)],
    ]);
    const refuseDispense: CertificateCheck = async (_k, _a, at) => (at === atOf(2) ? 'revoked for the test' : null);
    expect(await verifyBundle(bundleWith(), [], refuseDispense)).toMatchObject({ ok: false, index: 2, check: 'certificate', message: expect.stringMatching(/revoked for the test/) });
    const broken: CertificateCheck = async () => {
      throw new Error('cannot read the chain');
    };
    expect(await verifyBundle(bundleWith(), [], broken)).toMatchObject({ ok: false, index: 1, check: 'certificate', message: expect.stringMatching(/cannot read the chain/) });
  });

  it('an event outside the key\'s certified period fails `actor_key`, whatever the certificate check says', async () => {
    const yes: CertificateCheck = async () => null;
    const endedBeforeDispense = bundleWith({ validUntil: new Date(atOf(2) - 1).toISOString() });
    expect(await verifyBundle(endedBeforeDispense, [], yes)).toMatchObject({ ok: false, index: 2, check: 'actor_key', message: expect.stringMatching(/certified from .* to .*, not at the event/) });
    const startsAfterClaim = bundleWith({ validFrom: new Date(atOf(1) + 1).toISOString() });
    expect(await verifyBundle(startsAfterClaim, [], yes)).toMatchObject({ ok: false, index: 1, check: 'actor_key' });
  });

  it("the directory's alg must be one the key's type signs with", async () => {
    const yes: CertificateCheck = async () => null;
    for (const alg of ['PS256', 'EdDSA', 'ES384']) {
      expect(await verifyBundle(bundleWith({ alg }), [], yes)).toMatchObject({ ok: false, index: 1, check: 'actor_key', message: expect.stringMatching(`does not sign with ${alg}`) });
    }
    expect(signingAlgOf({ kty: 'RSA', n: 'x', e: 'AQAB' }, 'PS256')).toBe('PS256');
    expect(signingAlgOf({ kty: 'RSA', n: 'x', e: 'AQAB' }, 'RS256')).toBe('RS256');
    expect(signingAlgOf({ kty: 'RSA', n: 'x', e: 'AQAB' }, 'ES256')).toBeNull();
    expect(signingAlgOf({ kty: 'RSA', n: 'x', e: 'AQAB' })).toBeNull();
    expect(signingAlgOf({ kty: 'OKP', crv: 'Ed25519', x: 'x' })).toBe('EdDSA');
    expect(signingAlgOf({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, 'ES256')).toBe('ES256');
  });
});

describe('checkCertifiedAt through verifyBundle (client/certified.ts)', () => {
  it('verifies with the PKI\'s anchors, as text or parsed; fails `certificate` with another PKI\'s', async () => {
    const b = bundleWith();
    expect(await verifyBundle(b, [], await certificateCheck(pki.anchorsText, b))).toEqual({ ok: true, events: 3 });
    expect(await verifyBundle(b, [], await certificateCheck(anchors, b))).toEqual({ ok: true, events: 3 });
    const elsewhere = [anchorBlock(pki.cas.otherRoot, ['kinds: prescriber pharmacy']), anchorBlock(pki.cas.other, ['kinds: pharmacy', 'id: organizationIdentifier'])].join('\n');
    expect(await verifyBundle(b, [], await certificateCheck(elsewhere, b))).toMatchObject({ ok: false, index: 1, check: 'certificate', message: expect.stringMatching(/untrusted/) });
  });

  it('a CRL revoking the leaf after the dispense changes nothing; revoking it between claim and dispense fails the dispense', async () => {
    const after = bundleWith({}, [await pki.crl('pharmacy', [{ serial: leaf.serial, at: new Date(atOf(2) + 60_000) }])]);
    expect(await verifyBundle(after, [], await certificateCheck(anchors, after))).toEqual({ ok: true, events: 3 });
    const between = bundleWith({}, [await pki.crl('pharmacy', [{ serial: leaf.serial, at: new Date(atOf(2) - 30_000) }])]);
    expect(await verifyBundle(between, [], await certificateCheck(anchors, between))).toMatchObject({ ok: false, index: 2, check: 'certificate', message: expect.stringMatching(/revoked at/) });
    // Another certificate's revocation, in the same CA's list, is not this key's.
    const others = bundleWith({}, [await pki.crl('pharmacy', [{ serial: '1234', at: new Date(T0 - DAY) }])]);
    expect(await verifyBundle(others, [], await certificateCheck(anchors, others))).toEqual({ ok: true, events: 3 });
  });

  it('a CRL the anchors do not vouch for, or not base64, fails every certified key; a chain of another key fails', async () => {
    const forged = bundleWith({}, [await pki.crl('pharmacy', [], { signer: 'other' })]);
    expect(await verifyBundle(forged, [], await certificateCheck(anchors, forged))).toMatchObject({ ok: false, index: 1, check: 'certificate', message: expect.stringMatching(/revocation lists: CRL 1/) });
    const garbled = { ...bundleWith(), crls: ['not base64!'] };
    expect(await verifyBundle(garbled, [], await certificateCheck(anchors, garbled))).toMatchObject({ ok: false, index: 1, check: 'certificate', message: expect.stringMatching(/CRL 1 of the bundle is not base64/) });
    const stranger = await pki.leaf({ ca: 'pharmacy', id: FINESS, key: 'p256', notBefore: new Date(T0 - DAY), notAfter: new Date(T0 + DAY) });
    const swapped = bundleWith({ x5c: stranger.x5c });
    expect(await verifyBundle(swapped, [], await certificateCheck(anchors, swapped))).toMatchObject({ ok: false, index: 1, check: 'certificate', message: expect.stringMatching(/not the one its certificate certifies/) });
  });
});
