/**
 * src/crypto/x509 on its own: the trust anchors' text, a chain validated at a time (every
 * reason a certificate is refused for), revocation lists, and the offline check `ordo verify`
 * makes. Real certificates and CRLs from the test PKI (test/support/pki.ts), real signatures.
 */
import 'reflect-metadata';
import { beforeAll, describe, expect, it } from 'vitest';
import * as x509 from '@peculiar/x509';
import {
  AnchorError, checkCertifiedAt, CertificateRefused, CrlRefused, parseTrustAnchors, readCrls, validateChain, verifyCrl, type Anchor, type CertificateReason,
} from '../../src/crypto/x509/index.js';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { splitCrl } from '../../src/crypto/x509/crl-list.js';
import { serialHex } from '../../src/crypto/x509/der.js';
import { anchorBlock, makeTestPki, type LeafOptions, type TestPki } from '../support/pki.js';

const DAY = 86_400_000;
const RPPS = '10101010101';
let pki: TestPki;
let anchors: Anchor[];
beforeAll(async () => {
  pki = await makeTestPki();
  anchors = parseTrustAnchors(pki.anchorsText);
});

async function reasonOf(opts: LeafOptions, o: { kind?: 'prescriber' | 'pharmacy'; actorId?: string; at?: number; x5c?: (x: string[]) => unknown; with?: Anchor[] } = {}) {
  const leaf = await pki.leaf(opts);
  try {
    await validateChain(o.with ?? anchors, (o.x5c ? o.x5c(leaf.x5c) : leaf.x5c) as string[], { at: o.at ?? Date.now(), kind: o.kind ?? 'prescriber', actorId: o.actorId });
    return 'accepted';
  } catch (e) {
    if (e instanceof CertificateRefused) return e.reason;
    throw e;
  }
}

describe('trust anchors', () => {
  it('reads each CA with its settings, ids as the SHA-256 of the DER', () => {
    expect(anchors.map((a) => [a.subject, a.kinds, a.idAttribute, a.idPrefix, a.algs])).toEqual([
      ['CN=Ordo Test Root, O=Ordo Test PKI, C=FR', ['prescriber', 'pharmacy'], '2.5.4.5', '', ['PS256', 'ES256']],
      ['CN=Ordo Test Prescriber CA, O=Ordo Test PKI, C=FR', ['prescriber'], '2.5.4.5', '8', ['PS256', 'ES256']],
      ['CN=Ordo Test Pharmacy CA, O=Ordo Test PKI, C=FR', ['pharmacy'], '2.5.4.97', '', ['PS256', 'ES256']],
    ]);
    expect(anchors[0]!.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(anchors.map((a) => a.id)).size).toBe(3);
    expect(parseTrustAnchors('')).toEqual([]);
    expect(parseTrustAnchors('# nothing\n\n')).toEqual([]);
  });

  it('refuses a text that is wrong, naming the certificate and the fault', () => {
    const { root, prescriber } = pki.cas;
    const leafPem = async () => pki.pem((await pki.leaf({ id: RPPS, key: 'p256' })).der, 'CERTIFICATE');
    const cases: [string, RegExp][] = [
      [root.pem, /certificate 1 \(CN=Ordo Test Root.*\) has no "kinds:" line/],
      [anchorBlock(root, ['kinds: doctor']), /unknown kind "doctor"/],
      [anchorBlock(root, ['kinds:']), /empty "kinds:" line/],
      [anchorBlock(root, ['kinds: prescriber', 'colour: blue']), /unknown setting "colour"/],
      [anchorBlock(root, ['kinds: prescriber', 'kinds: pharmacy']), /"kinds" is set twice/],
      [anchorBlock(root, ['kinds: prescriber', 'id: favouriteColour']), /unknown id attribute "favouriteColour"/],
      [anchorBlock(root, ['kinds: prescriber', 'id: serialNumber suffix 8']), /not "id: ATTRIBUTE"/],
      [anchorBlock(root, ['kinds: prescriber', 'algs: HS256']), /unknown algorithm "HS256"/],
      [anchorBlock(root, ['kinds: prescriber']) + '\nkinds: pharmacy\n', /settings after the last certificate/],
      [[anchorBlock(root, ['kinds: prescriber']), anchorBlock(root, ['kinds: pharmacy'])].join('\n'), /certificate 2 .* is the same certificate as certificate 1/],
      ['kinds: prescriber\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /is a PEM PRIVATE KEY block, not a CERTIFICATE/],
      ['kinds: prescriber\n-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n', /is not a readable X.509 certificate/],
      ['kinds: prescriber\n-----BEGIN CERTIFICATE-----\nAAAA\n', /has no END line/],
      ['just some words', /is neither a setting nor a certificate/],
      [prescriber.pem.replace('-----END CERTIFICATE-----', '-----END X509 CRL-----').replace(/^/, 'kinds: prescriber\n'), /BEGIN CERTIFICATE ends with END X509 CRL/],
    ];
    for (const [text, message] of cases) expect(() => parseTrustAnchors(text), text.slice(0, 60)).toThrow(message);
    expect(() => parseTrustAnchors('')).not.toThrow();
    return leafPem().then((leaf) => {
      expect(() => parseTrustAnchors(`kinds: prescriber\n${leaf}`)).toThrow(AnchorError);
      expect(() => parseTrustAnchors(`kinds: prescriber\n${leaf}`)).toThrow(/is not a CA certificate \(basicConstraints cA is not true\)/);
    });
  });

  it('takes a dotted OID as the id attribute, and an algs line', () => {
    const [a] = parseTrustAnchors(anchorBlock(pki.cas.root, ['kinds: pharmacy', 'id: 2.5.4.97 prefix FR', 'algs: RS256']));
    expect([a!.idAttribute, a!.idPrefix, a!.algs]).toEqual(['2.5.4.97', 'FR', ['RS256']]);
  });
});

describe('a chain at a time', () => {
  it('certifies an RSA prescriber: id less its prefix, name, the intersection of the validity periods, the path, the CAs', async () => {
    const leaf = await pki.leaf({ id: RPPS, key: 'rsa', givenName: 'Claire', surname: 'Roussel', title: 'médecin' });
    const c = await validateChain(anchors, leaf.x5c.slice(0, 1), { at: Date.now(), kind: 'prescriber', actorId: RPPS });
    expect(c).toMatchObject({ actorId: RPPS, kind: 'prescriber', name: 'Claire Roussel', profession: 'médecin', alg: 'PS256', kid: leaf.kid, jwk: leaf.publicJwk });
    expect(c.x5c).toEqual([leaf.x5c[0], pki.cas.prescriber.b64, pki.cas.root.b64]);
    expect(c.cas).toEqual([anchors[1]!.id, anchors[0]!.id]);
    expect(c.serials[0]).toEqual({ ca: anchors[1]!.id, serial: leaf.serial });
    expect(c.validUntil <= pki.cas.prescriber.cert.notAfter.toISOString()).toBe(true);
    expect(Date.parse(c.validFrom)).toBe(Math.max(...[leaf.der, pki.cas.prescriber.der, pki.cas.root.der].map((d) => new x509.X509Certificate(d as Uint8Array<ArrayBuffer>).notBefore.getTime())));
  });

  it('certifies a FINESS pharmacy (P-256, organizationIdentifier)', async () => {
    const leaf = await pki.leaf({ ca: 'pharmacy', id: '750712184', key: 'p256', organizationName: 'Pharmacie du Marché' });
    const c = await validateChain(anchors, leaf.x5c, { at: Date.now(), kind: 'pharmacy' });
    expect(c).toMatchObject({ actorId: '750712184', name: 'Pharmacie du Marché', alg: 'ES256', profession: null });
  });

  it('refuses each bad certificate with its reason', async () => {
    const now = Date.now();
    const table: [string, LeafOptions, Parameters<typeof reasonOf>[1], CertificateReason | 'accepted'][] = [
      ['expired', { id: RPPS, notBefore: new Date(now - 400 * DAY), notAfter: new Date(now - DAY) }, {}, 'expired'],
      ['not yet valid', { id: RPPS, notBefore: new Date(now + DAY), notAfter: new Date(now + 400 * DAY) }, {}, 'not_yet_valid'],
      ['checked at a time past its CA', { id: RPPS, key: 'p256' }, { at: now + 4000 * DAY }, 'expired'],
      ['keyEncipherment only', { id: RPPS, keyUsage: x509.KeyUsageFlags.keyEncipherment }, {}, 'key_usage'],
      ['a CA as the leaf', { id: RPPS, ca_cert: true }, {}, 'not_end_entity'],
      ['under an unconfigured root', { id: RPPS, ca: 'other' }, {}, 'untrusted'],
      ['the configured CA name, another key', { id: RPPS, ca: 'impostor' }, {}, 'untrusted'],
      ['a pharmacy certificate as a prescriber', { ca: 'pharmacy', id: '750000001', key: 'p256' }, { kind: 'prescriber' }, 'kind'],
      ['a prescriber certificate as a pharmacy', { id: RPPS, key: 'p256' }, { kind: 'pharmacy' }, 'kind'],
      ['for another actor', { id: RPPS, key: 'p256' }, { actorId: '10000000099' }, 'identifier'],
      ['without the id prefix', { id: RPPS, key: 'p256', subject: [{ C: ['FR'] }, { CN: ['Camille Martin'] }, { '2.5.4.5': [`3${RPPS}`] }] }, {}, 'identifier'],
      ['with no identifier', { id: RPPS, key: 'p256', subject: [{ C: ['FR'] }, { CN: ['Camille Martin'] }] }, {}, 'identifier'],
      ['with two identifiers', { id: RPPS, key: 'p256', subject: [{ CN: ['Camille Martin'] }, { '2.5.4.5': [`8${RPPS}`] }, { '2.5.4.5': ['810000000001'] }] }, {}, 'identifier'],
      ['an identifier that is no actor id', { id: RPPS, key: 'p256', subject: [{ CN: ['X'] }, { '2.5.4.5': ['8a b'] }] }, {}, 'identifier'],
      ['an Ed25519 key', { id: RPPS, key: 'ed25519' }, {}, 'algorithm'],
      ['a P-384 key', { id: RPPS, key: 'p384' }, {}, 'algorithm'],
      ['an RSA-1024 key', { id: RPPS, key: 'rsa1024' }, {}, 'algorithm'],
      ['an unknown critical extension', { id: RPPS, key: 'p256', extensions: [new x509.Extension('1.2.3.4.5', true, new Uint8Array([5, 0]))] }, {}, 'malformed'],
      ['x5c not an array', { id: RPPS, key: 'p256' }, { x5c: (x) => x[0] }, 'malformed'],
      ['x5c empty', { id: RPPS, key: 'p256' }, { x5c: () => [] }, 'malformed'],
      ['x5c not base64', { id: RPPS, key: 'p256' }, { x5c: () => ['%%%'] }, 'malformed'],
      ['x5c base64url', { id: RPPS, key: 'p256' }, { x5c: (x) => [`-_${x[0]!.slice(2)}`] }, 'malformed'],
      ['x5c with trailing bytes', { id: RPPS, key: 'p256' }, { x5c: (x) => [Buffer.concat([Buffer.from(x[0]!, 'base64'), Buffer.from([0])]).toString('base64')] }, 'malformed'],
      ['five certificates', { id: RPPS, key: 'p256' }, { x5c: (x) => Array(5).fill(x[0]) }, 'malformed'],
      ['a configured CA as the leaf', { id: RPPS, key: 'p256' }, { x5c: () => [pki.cas.prescriber.b64] }, 'not_end_entity'],
      ['RSA where the path allows ES256 only', { id: RPPS, key: 'rsa' }, { with: parseTrustAnchors([anchorBlock(pki.cas.root, ['kinds: prescriber', 'algs: ES256']), anchorBlock(pki.cas.prescriber, ['kinds: prescriber', 'id: serialNumber prefix 8'])].join('\n')) }, 'algorithm'],
      ['RSA where the path allows RS256', { id: RPPS, key: 'rsa' }, { with: parseTrustAnchors([anchorBlock(pki.cas.root, ['kinds: prescriber', 'algs: RS256']), anchorBlock(pki.cas.prescriber, ['kinds: prescriber', 'id: serialNumber prefix 8', 'algs: RS256 PS256'])].join('\n')) }, 'accepted'],
      ['its CA not configured, the root is', { id: RPPS, key: 'p256' }, { with: parseTrustAnchors(anchorBlock(pki.cas.root, ['kinds: prescriber'])) }, 'untrusted'],
    ];
    const got = [];
    for (const [what, opts, o] of table) got.push([what, await reasonOf(opts, o)]);
    expect(got).toEqual(table.map(([what, , , reason]) => [what, reason]));
  });

  it('keeps pathLenConstraint: a CA under a CA that allows none is refused', async () => {
    const sub = await pki.subCa({ issuer: pki.cas.prescriber, name: 'CN=Sub CA, O=Ordo Test PKI, C=FR' });
    const text = [pki.anchorsText, anchorBlock(sub, ['kinds: prescriber', 'id: serialNumber prefix 8'])].join('\n');
    expect(await reasonOf({ ca: sub, id: RPPS, key: 'p256' }, { with: parseTrustAnchors(text) })).toBe('untrusted');
  });
});

describe('revocation lists', () => {
  it('verifies a list from a configured CA, DER or PEM, with its entries', async () => {
    const at = new Date(Date.now() - 60_000);
    const der = await pki.crl('prescriber', [{ serial: '0a0b0c', at }, { serial: '01', at }]);
    const crl = await verifyCrl(anchors, der, { now: Date.now() });
    expect(crl.ca).toBe(anchors[1]!.id);
    expect(crl.revoked).toEqual([{ serial: 'a0b0c', at: at.toISOString().replace(/\.\d+Z$/, '.000Z') }, { serial: '1', at: at.toISOString().replace(/\.\d+Z$/, '.000Z') }]);
    expect(crl.nextUpdate).not.toBeNull();
    const fromPem = await verifyCrl(anchors, new TextEncoder().encode(pki.pem(der, 'X509 CRL')), { now: Date.now() });
    expect(fromPem.der).toEqual(crl.der);
    const forever = await verifyCrl(anchors, await pki.crl('root', [], { nextUpdate: null }), { now: Date.now() + 1000 * DAY });
    expect(forever.nextUpdate).toBeNull();
  });

  it('refuses a list that is not one, is signed by another key, from another CA, stale or from the future', async () => {
    const now = Date.now();
    const reason = async (input: Uint8Array | Promise<Uint8Array>, o: { now?: number; allowStale?: boolean } = {}) => {
      try {
        await verifyCrl(anchors, await input, { now: o.now ?? now, allowStale: o.allowStale });
        return 'accepted';
      } catch (e) {
        if (e instanceof CrlRefused) return e.reason;
        throw e;
      }
    };
    const good = await pki.crl('pharmacy', []);
    expect(await reason(pki.crl('prescriber', [], { signer: 'other' }))).toBe('bad_signature');
    expect(await reason(pki.crl('other', []))).toBe('untrusted');
    expect(await reason(pki.crl('impostor', []))).toBe('bad_signature');
    expect(await reason(pki.crl('prescriber', [], { thisUpdate: new Date(now - 10 * DAY), nextUpdate: new Date(now - DAY) }))).toBe('stale');
    expect(await reason(pki.crl('prescriber', [], { thisUpdate: new Date(now - 10 * DAY), nextUpdate: new Date(now - DAY) }), { allowStale: true })).toBe('accepted');
    expect(await reason(good, { now: now + 30 * DAY })).toBe('stale');
    expect(await reason(pki.crl('prescriber', [], { thisUpdate: new Date(now + DAY), nextUpdate: new Date(now + 8 * DAY) }))).toBe('not_yet_valid');
    expect(await reason(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]))).toBe('malformed');
    expect(await reason(new TextEncoder().encode('hello'))).toBe('malformed');
    expect(await reason(Uint8Array.from([...good, 0]))).toBe('malformed');
    const tampered = Uint8Array.from(good);
    tampered[tampered.length - 10]! ^= 1;
    expect(await reason(tampered)).toBe('bad_signature');
    const delta = pki.crl('root', [], { extensions: [new x509.Extension('2.5.29.27', true, new Uint8Array([2, 1, 1]))] });
    expect(await reason(delta)).toBe('malformed');
    expect(await reason(pki.crl('root', [], { extensions: [new x509.Extension('1.2.3.4', true, new Uint8Array([5, 0]))] }))).toBe('malformed');
    expect(await reason(good)).toBe('accepted');
  });
});

describe('the list of a revocation list, read without pkijs (src/crypto/x509/crl-list.ts)', () => {
  /** What pkijs reads of the entries of `der` (asn1js allowed all the nodes it needs): the oracle. */
  const pkijsEntries = (der: Uint8Array) =>
    (new pkijs.CertificateRevocationList({ schema: asn1js.fromBER(der, { maxNodes: der.byteLength }).result }).revokedCertificates ?? []).map((e) => ({
      serial: serialHex(e.userCertificate),
      at: e.revocationDate.value.toISOString(),
    }));
  const reasonOfCrl = async (der: Uint8Array | Promise<Uint8Array>) => {
    try {
      await verifyCrl(anchors, await der, { now: Date.now() });
      return 'accepted';
    } catch (e) {
      if (e instanceof CrlRefused) return `${e.reason}: ${e.message}`;
      throw e;
    }
  };

  it('reads every entry as pkijs does, from lists made by @peculiar/x509 and by pkijs: high-bit serials, leading zeros, 19xx, 20xx and GeneralizedTime dates', async () => {
    const entries = [
      { serial: 'ff01', at: new Date('2030-05-06T07:08:09Z') },
      { serial: '00ab', at: new Date('1999-12-31T23:59:59Z') },
      { serial: '7f', at: new Date('2026-02-28T00:00:00Z') },
      { serial: '0102030405060708090a0b0c0d0e0f10', at: new Date('2051-01-02T03:04:05Z'), extensions: [new x509.Extension('2.5.29.24', true, new Uint8Array([0x18, 0x0f, ...new TextEncoder().encode('20260101000000Z')]))] },
    ];
    const peculiar = await pki.crl('prescriber', entries);
    const made = await pki.bulkCrl('pharmacy', entries.slice(0, 3));
    for (const der of [peculiar, made]) {
      const crl = await verifyCrl(anchors, der, { now: Date.now() });
      expect(crl.revoked).toEqual(pkijsEntries(der));
    }
    expect((await verifyCrl(anchors, peculiar, { now: Date.now() })).revoked).toEqual([
      { serial: 'ff01', at: '2030-05-06T07:08:09.000Z' },
      { serial: 'ab', at: '1999-12-31T23:59:59.000Z' },
      { serial: '7f', at: '2026-02-28T00:00:00.000Z' },
      { serial: '102030405060708090a0b0c0d0e0f10', at: '2051-01-02T03:04:05.000Z' },
    ]);
  });

  it('reads a national CA\'s list whole: 30,000 serials (asn1js alone stops at 10,000 nodes, about 1,250 serials)', async () => {
    const at = new Date('2026-11-01T12:00:00Z');
    const der = await pki.bulkCrl('prescriber', Array.from({ length: 30_000 }, (_, i) => ({ serial: (0x40000000 + i).toString(16), at: new Date(at.getTime() + i * 1000) })));
    const crl = await verifyCrl(anchors, der, { now: Date.now() });
    expect(crl.revoked).toHaveLength(30_000);
    expect(crl.revoked[12_345]).toEqual({ serial: (0x40000000 + 12_345).toString(16), at: new Date(at.getTime() + 12_345_000).toISOString() });
    expect(crl.revoked.at(-1)).toEqual({ serial: (0x40000000 + 29_999).toString(16), at: new Date(at.getTime() + 29_999_000).toISOString() });
  });

  it('the list is under the signature: a changed serial, or the list taken out, is a bad signature', async () => {
    const at = new Date(Date.now() - 60_000);
    const good = await pki.crl('prescriber', [{ serial: '0a', at }, { serial: '0b', at }]);
    expect(await reasonOfCrl(good)).toBe('accepted');
    const changed = Uint8Array.from(good);
    const i = changed.findIndex((_, k) => changed[k] === 0x02 && changed[k + 1] === 0x01 && changed[k + 2] === 0x0b);
    changed[i + 2] = 0x0c;
    expect(await reasonOfCrl(changed)).toMatch(/^bad_signature/);
    expect(await reasonOfCrl(splitCrl(good).withoutList)).toMatch(/^bad_signature/);
  });

  describe('refuses DER that is not strict, and entries that are not RFC 5280 ones (422 crl_refused, malformed)', () => {
    let template: pkijs.CertificateRevocationList;
    beforeAll(async () => {
      template = pkijs.CertificateRevocationList.fromBER(new Uint8Array(await pki.crl('prescriber', [])));
    });
    const len = (n: number) => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
    const tlv = (tag: number, ...parts: ArrayLike<number>[]) => {
      const body = parts.flatMap((p) => Array.from(p));
      return [tag, ...len(body.length), ...body];
    };
    const ascii = (text: string) => Array.from(new TextEncoder().encode(text));
    const ber = (o: { toSchema(): { toBER(): ArrayBuffer } }) => new Uint8Array(o.toSchema().toBER());
    /** A CRL of the prescriber CA with these encoded entries, signed by nobody. */
    const handMade = (...entries: number[][]) => {
      const tbs = tlv(0x30, [0x02, 0x01, 0x01], ber(template.signature), ber(template.issuer), tlv(0x17, ascii('261201000000Z')), tlv(0x17, ascii('261208000000Z')), tlv(0x30, ...entries));
      return Uint8Array.from(tlv(0x30, tbs, ber(template.signatureAlgorithm), tlv(0x03, [0, 1, 2, 3])));
    };
    const entry = (...parts: number[][]) => tlv(0x30, ...parts);
    const serial = [0x02, 0x01, 0x0a];

    it('a well-made entry reaches the signature check (the control)', async () => {
      expect(await reasonOfCrl(handMade(entry(serial, tlv(0x17, ascii('261130120000Z')))))).toMatch(/^bad_signature/);
      expect(await reasonOfCrl(handMade(entry(serial, tlv(0x18, ascii('20261130120000Z')))))).toMatch(/^bad_signature/);
    });

    it.each([
      ['a UTCTime without seconds', entry(serial, tlv(0x17, ascii('2611301200Z')))],
      ['a GeneralizedTime with a fraction of a second', entry(serial, tlv(0x18, ascii('20261130120000.5Z')))],
      ['a time with an offset, not Z', entry(serial, tlv(0x17, ascii('261130120000+0100')))],
      ['the 30th of February', entry(serial, tlv(0x17, ascii('260230120000Z')))],
      ['hour 24', entry(serial, tlv(0x17, ascii('261130240000Z')))],
      ['a date that is no time type', entry(serial, tlv(0x04, ascii('261130120000Z')))],
      ['a serial that is no INTEGER', entry([0x04, 0x01, 0x0a], tlv(0x17, ascii('261130120000Z')))],
      ['an empty serial', entry([0x02, 0x00], tlv(0x17, ascii('261130120000Z')))],
      ['an entry without a date', entry(serial)],
      ['something after the extensions', entry(serial, tlv(0x17, ascii('261130120000Z')), tlv(0x30), [0x05, 0x00])],
      ['an extension without its value', entry(serial, tlv(0x17, ascii('261130120000Z')), tlv(0x30, tlv(0x30, [0x06, 0x03, 0x55, 0x1d, 0x15])))],
      ['an entry that is no SEQUENCE', tlv(0x31, serial, tlv(0x17, ascii('261130120000Z')))],
    ])('%s', async (_, bad) => {
      expect(await reasonOfCrl(handMade(bad))).toMatch(/^malformed: the CRL is not one whole DER CertificateList \(/);
    });

    it('an indefinite or a non-minimal length, a length past the end', async () => {
      const good = await pki.crl('prescriber', [{ serial: '0a', at: new Date(Date.now() - 60_000) }]);
      expect(good[1]).toBe(0x82);
      const body = good.subarray(4);
      expect(await reasonOfCrl(Uint8Array.from([0x30, 0x80, ...body, 0, 0]))).toMatch(/^malformed: .*indefinite/);
      expect(await reasonOfCrl(Uint8Array.from([0x30, 0x83, 0, good[2]!, good[3]!, ...body]))).toMatch(/^malformed: .*not minimal/);
      expect(await reasonOfCrl(Uint8Array.from([0x30, 0x81, 0x05, 0x02, 0x01, 0x01]))).toMatch(/^malformed/);
      expect(await reasonOfCrl(good.subarray(0, good.length - 1))).toMatch(/^malformed/);
    });

    it('a critical entry extension Ordo does not process is named; a critical invalidityDate is read', async () => {
      const at = new Date(Date.now() - 60_000);
      const unknown = pki.crl('prescriber', [{ serial: '0a', at, extensions: [new x509.Extension('1.2.840.113549.1.9.99', true, new Uint8Array([0x05, 0x00]))] }]);
      expect(await reasonOfCrl(unknown)).toBe('malformed: the CRL entry for a has a critical extension Ordo does not process (1.2.840.113549.1.9.99)');
      // certificateIssuer: an indirect CRL, speaking for another CA's certificates.
      const indirect = pki.crl('prescriber', [{ serial: '0a', at, extensions: [new x509.Extension('2.5.29.29', true, new Uint8Array([0x30, 0x00]))] }]);
      expect(await reasonOfCrl(indirect)).toMatch(/\(2\.5\.29\.29\)$/);
      const notCritical = pki.crl('prescriber', [{ serial: '0a', at, extensions: [new x509.Extension('1.2.3.4', false, new Uint8Array([0x05, 0x00]))] }]);
      expect(await reasonOfCrl(notCritical)).toBe('accepted');
    });
  });
});

describe('offline: a key certified at the time of an event', () => {
  it('is valid before its revocation date and not after; the wrong key, or a refused chain, is named', async () => {
    const leaf = await pki.leaf({ id: RPPS, key: 'p256' });
    const revokedAt = new Date(Date.now() - 60_000);
    const crls = await readCrls(anchors, [await pki.crl('prescriber', [{ serial: leaf.serial, at: revokedAt }])]);
    const actor = { id: RPPS, kind: 'prescriber' as const };
    expect(await checkCertifiedAt(anchors, { x5c: leaf.x5c, jwk: leaf.publicJwk }, actor, revokedAt.getTime() - 5000, crls)).toBeNull();
    expect(await checkCertifiedAt(anchors, { x5c: leaf.x5c, jwk: leaf.publicJwk }, actor, revokedAt.getTime() + 5000, crls)).toMatch(/was revoked at/);
    expect(await checkCertifiedAt(anchors, { x5c: leaf.x5c, jwk: leaf.publicJwk }, actor, Date.now(), [])).toBeNull();
    const other = await pki.leaf({ id: RPPS, key: 'p256' });
    expect(await checkCertifiedAt(anchors, { x5c: leaf.x5c, jwk: other.publicJwk }, actor, Date.now(), [])).toMatch(/not the one its certificate certifies/);
    expect(await checkCertifiedAt(anchors, { x5c: leaf.x5c, jwk: leaf.publicJwk }, { id: '10000000099', kind: 'prescriber' }, Date.now(), [])).toMatch(/certificate refused \(identifier\)/);
    await expect(readCrls(anchors, [await pki.crl('other', [])])).rejects.toThrow(/CRL 1: /);
  });
});
