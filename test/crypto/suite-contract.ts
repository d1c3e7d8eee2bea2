/**
 * The one test set both crypto suites pass (issue 15): known-answer vectors from the RFCs and
 * NIST, jose reading what a suite writes and the reverse, and, given a second suite, each
 * signing or sealing what the other checks or opens. Run on Node for both suites
 * (test/unit/crypto-suite.test.ts) and inside workerd for the web suite
 * (test/workers/crypto-suite.test.ts).
 */
import { base64url, calculateJwkThumbprint, CompactEncrypt, compactDecrypt, compactVerify, importJWK, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { decryptJwe, encryptJwe, signJws, verifyJws } from '../../src/crypto/suite/compact.js';
import { inflateExactly } from '../../src/crypto/pack.js';
import type { CryptoSuite } from '../../src/crypto/suite/types.js';
import { hmac, sha256 } from '../../src/crypto/hash.js';

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
const text = (s: string) => new TextEncoder().encode(s);

/** RFC 8037 A.1–A.4: an Ed25519 key, its thumbprint, and a signature (Ed25519 is deterministic). */
export const RFC8037 = {
  jwk: { kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } as JWK,
  thumbprint: 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
  input: 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc',
  signature: 'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg',
};
/** RFC 7515 A.3: a P-256 key and a JWS it signed (ECDSA is not deterministic: verify only). */
export const RFC7515_A3 = {
  jwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI' } as JWK,
  jws: 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q',
};
/** RFC 7515 A.2: an RSA-2048 public key and the RS256 JWS its private half signed (PKCS #1 v1.5 is deterministic). */
export const RFC7515_A2 = {
  jwk: {
    kty: 'RSA', e: 'AQAB',
    n: 'ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ',
  } as JWK,
  jws:
    'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw',
};

/** A fresh RSA key pair as JWKs (the private one with `d`, made at run time: none is committed). */
async function rsaJwks(bits = 2048): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const pair = (await crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const { alg: _a, key_ops: _k, ext: _e, ...privateJwk } = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JWK;
  return { privateJwk, publicJwk: { kty: 'RSA', n: privateJwk.n, e: privateJwk.e } };
}
let rsaPair: ReturnType<typeof rsaJwks> | undefined;
/** One RSA-2048 pair per run (generating one takes a while). */
export const rsaKeyPair = () => (rsaPair ??= rsaJwks());

/** RFC 7638 § 3.1: the thumbprint of its RSA example key. */
const RFC7638 = {
  jwk: {
    kty: 'RSA', e: 'AQAB',
    n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  } as JWK,
  thumbprint: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
};

export function cryptoSuiteContract(suite: CryptoSuite, other?: CryptoSuite) {
  describe(`the ${suite.name} crypto suite`, () => {
    it('hashes: SHA-256 (FIPS 180-2 "abc"), HMAC-SHA256 (RFC 4231 case 2), HKDF-SHA256 (RFC 5869 case 1)', () => {
      expect(toHex(suite.sha256(text('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(toHex(suite.hmacSha256(text('Jefe'), text('what do ya want for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
      const okm = suite.hkdfSha256(hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
      expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    });

    it('HKDF-SHA256: RFC 5869 cases 2 (80-byte key, salt, info; 82 bytes out) and 3 (no salt, no info)', () => {
      const seq = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);
      const okm = suite.hkdfSha256(seq(0x00, 80), seq(0x60, 80), seq(0xb0, 80), 82);
      expect(toHex(okm)).toBe('b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87');
      expect(toHex(suite.hkdfSha256(hex('0b'.repeat(22)), new Uint8Array(0), new Uint8Array(0), 42))).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
      expect(suite.hkdfSha256(hex('0b'.repeat(22)), new Uint8Array(0), new Uint8Array(0), 0)).toHaveLength(0);
    });

    it('Ed25519 from a seed: RFC 8032 § 7.1 test 1 (public key, and the signature of the empty message)', async () => {
      const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
      const jwk = await suite.ed25519FromSeed(seed);
      expect(jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: base64url.encode(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')), d: base64url.encode(seed) });
      const sig = await suite.sign(await suite.importPrivate(jwk, 'EdDSA'), new Uint8Array(0));
      expect(toHex(sig)).toBe('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
      await expect(suite.ed25519FromSeed(new Uint8Array(31))).rejects.toThrow(/32 bytes/);
    });

    it('the helpers of crypto/hash.ts (synchronous on every runtime) give the same known answers', async () => {
      expect(toHex(await sha256(text('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect(toHex(await hmac(text('Jefe'), text('what do ya want for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
      const data = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) & 0xff);
      expect(toHex(await sha256(data))).toBe(toHex(suite.sha256(data)));
      expect(toHex(await hmac(data.subarray(0, 40), data))).toBe(toHex(suite.hmacSha256(data.subarray(0, 40), data)));
    });

    it('Ed25519: the RFC 8037 signature, byte for byte; its thumbprint; a changed byte fails', async () => {
      const key = await suite.importPrivate(RFC8037.jwk, 'EdDSA');
      expect(base64url.encode(await suite.sign(key, text(RFC8037.input)))).toBe(RFC8037.signature);
      const pub = await suite.importPublic({ kty: 'OKP', crv: 'Ed25519', x: RFC8037.jwk.x }, 'EdDSA');
      expect(await verifyJws(suite, pub, `${RFC8037.input}.${RFC8037.signature}`)).toBe(true);
      expect(await verifyJws(suite, pub, `${RFC8037.input}x.${RFC8037.signature}`)).toBe(false);
      expect(await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: RFC8037.jwk.x })).toBe(RFC8037.thumbprint);
      expect(await calculateJwkThumbprint(RFC7638.jwk)).toBe(RFC7638.thumbprint);
    });

    it('ES256: the RFC 7515 A.3 signature verifies; 64-byte P1363 signatures only; jose verifies ours', async () => {
      const { d: _d, ...publicJwk } = RFC7515_A3.jwk;
      const pub = await suite.importPublic(publicJwk, 'ES256');
      expect(await verifyJws(suite, pub, RFC7515_A3.jws)).toBe(true);
      const [h, p, s] = RFC7515_A3.jws.split('.') as [string, string, string];
      expect(await verifyJws(suite, pub, `${h}.${p}.${base64url.encode(base64url.decode(s).subarray(0, 63))}`)).toBe(false);
      expect(await verifyJws(suite, pub, `${h}.${p}A.${s}`)).toBe(false);
      const key = await suite.importPrivate(RFC7515_A3.jwk, 'ES256');
      const jws = await signJws(suite, key, { alg: 'ES256', kid: 'k', typ: 'x' }, { hello: 'world' });
      expect(base64url.decode(jws.split('.')[2]!)).toHaveLength(64);
      expect((await compactVerify(jws, await importJWK(publicJwk, 'ES256'), { algorithms: ['ES256'] })).protectedHeader).toEqual({ alg: 'ES256', kid: 'k', typ: 'x' });
      expect(await verifyJws(suite, pub, jws)).toBe(true);
    });

    it('RS256: the RFC 7515 A.2 signature verifies; a changed byte, or a signature of another length, fails', async () => {
      const pub = await suite.importPublic(RFC7515_A2.jwk, 'RS256');
      expect(pub.signatureBytes).toBe(256);
      expect(await verifyJws(suite, pub, RFC7515_A2.jws)).toBe(true);
      const [h, p, s] = RFC7515_A2.jws.split('.') as [string, string, string];
      const sig = base64url.decode(s);
      expect(await verifyJws(suite, pub, `${h}.${p}.${base64url.encode(sig.subarray(0, 255))}`)).toBe(false);
      expect(await verifyJws(suite, pub, `${h}.${p}.${base64url.encode(Uint8Array.of(0, ...sig))}`)).toBe(false);
      sig[100]! ^= 1;
      expect(await verifyJws(suite, pub, `${h}.${p}.${base64url.encode(sig)}`)).toBe(false);
      // The same key for PSS: the PKCS #1 v1.5 signature is not a PSS one.
      expect(await verifyJws(suite, await suite.importPublic(RFC7515_A2.jwk, 'PS256'), RFC7515_A2.jws)).toBe(false);
    });

    it('PS256 (salt 32) and RS256 with a fresh RSA-2048 key: jose verifies ours and we verify jose\'s; RS256 is byte for byte jose\'s', async () => {
      const { privateJwk, publicJwk } = await rsaKeyPair();
      for (const alg of ['PS256', 'RS256'] as const) {
        const key = await suite.importPrivate(privateJwk, alg);
        const pub = await suite.importPublic(publicJwk, alg);
        const ours = await signJws(suite, key, { alg, kid: 'k', typ: 'x' }, { hello: 'world' });
        expect(base64url.decode(ours.split('.')[2]!)).toHaveLength(256);
        expect((await compactVerify(ours, await importJWK(publicJwk, alg), { algorithms: [alg] })).protectedHeader).toEqual({ alg, kid: 'k', typ: 'x' });
        const theirs = await new SignJWT({ hello: 'world' }).setProtectedHeader({ alg, kid: 'k', typ: 'x' }).sign(await importJWK(privateJwk, alg));
        expect(await verifyJws(suite, pub, theirs), alg).toBe(true);
        if (alg === 'RS256') expect(ours).toBe(theirs);
      }
    });

    it('RSA keys: 2,048 to 4,096 bits with e = 65537 only; the public members alone are kept', async () => {
      const n = base64url.decode(RFC7515_A2.jwk.n!);
      await expect(suite.importPublic({ ...RFC7515_A2.jwk, n: base64url.encode(n.subarray(0, 128)) }, 'PS256')).rejects.toThrow(/1024 bits/);
      await expect(suite.importPublic({ ...RFC7515_A2.jwk, e: 'Aw' }, 'RS256')).rejects.toThrow(/e = 65537/);
      await expect(suite.importPublic({ ...RFC7515_A2.jwk, n: base64url.encode(new Uint8Array(513).fill(0xff)) }, 'PS256')).rejects.toThrow(/4104 bits/);
      await expect(suite.importPublic(RFC7515_A2.jwk, 'ES256')).rejects.toThrow();
      await expect(suite.importPublic(RFC7515_A3.jwk, 'PS256')).rejects.toThrow(/RSA/);
      // A leading zero byte in `n` does not count towards its length.
      expect((await suite.importPublic({ ...RFC7515_A2.jwk, n: base64url.encode(Uint8Array.of(0, ...n)) }, 'RS256')).signatureBytes).toBe(256);
    });

    it('refuses a key of the wrong curve, a point off the curve, and a header whose alg is not the key\'s', async () => {
      await expect(suite.importPublic({ kty: 'OKP', crv: 'Ed25519', x: RFC8037.jwk.x }, 'ES256')).rejects.toThrow();
      await expect(suite.importPublic({ ...RFC7515_A3.jwk, d: undefined, y: RFC7515_A3.jwk.x }, 'ES256')).rejects.toThrow();
      const key = await suite.importPrivate(RFC8037.jwk, 'EdDSA');
      await expect(signJws(suite, key, { alg: 'ES256' }, {})).rejects.toThrow(/cannot sign/);
    });

    it('a JWS is byte for byte what jose signs (Ed25519 is deterministic)', async () => {
      const key = await suite.importPrivate(RFC8037.jwk, 'EdDSA');
      const payload = { evt: { index: 0, type: 'issued' }, iss: 'https://ordo.test', sub: 'RX', iat: 1764583200 };
      const ours = await signJws(suite, key, { alg: 'EdDSA', kid: RFC8037.thumbprint, typ: 'ordo-receipt+jwt' }, payload);
      const theirs = await new SignJWT({ evt: payload.evt })
        .setProtectedHeader({ alg: 'EdDSA', kid: RFC8037.thumbprint, typ: 'ordo-receipt+jwt' })
        .setIssuer(payload.iss).setSubject(payload.sub).setIssuedAt(payload.iat)
        .sign(await importJWK(RFC8037.jwk, 'EdDSA'));
      expect(ours).toBe(theirs);
    });

    it('AES-256-GCM: the NIST GCM spec test case 16; a changed byte of text, tag, IV or AAD does not open', async () => {
      const k = hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
      const iv = hex('cafebabefacedbaddecaf888');
      const p = hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
      const a = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
      const c = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662';
      const t = '76fc6ece0f4e1768cddf8853bb2d551b';
      const sealed = await suite.encrypt(k, iv, p, a);
      expect(toHex(sealed)).toBe(c + t);
      expect(toHex(await suite.decrypt(k, iv, sealed, a))).toBe(toHex(p));
      for (const at of [0, sealed.length - 1]) {
        const bad = new Uint8Array(sealed);
        bad[at]! ^= 1;
        await expect(suite.decrypt(k, iv, bad, a)).rejects.toThrow();
      }
      await expect(suite.decrypt(k, hex('cafebabefacedbaddecaf889'), sealed, a)).rejects.toThrow();
      await expect(suite.decrypt(k, iv, sealed, hex('00'))).rejects.toThrow();
    });

    it('a JWE dir + A256GCM: jose opens ours and we open jose\'s; other forms are refused', async () => {
      const key = crypto.getRandomValues(new Uint8Array(32));
      const header = { alg: 'dir' as const, enc: 'A256GCM' as const, kid: 'tk', 'ordo:rx': 'RX', 'ordo:idx': 0, 'ordo:doc': 'rx' };
      const ours = await encryptJwe(suite, key, header, text('sealed text é'));
      const opened = await compactDecrypt(ours, key);
      expect([new TextDecoder().decode(opened.plaintext), opened.protectedHeader]).toEqual(['sealed text é', header]);
      const theirs = await new CompactEncrypt(text('from jose')).setProtectedHeader(header).encrypt(key);
      const mine = await decryptJwe(suite, key, theirs);
      expect([new TextDecoder().decode(mine.plaintext), mine.header]).toEqual(['from jose', header]);
      const zipped = await new CompactEncrypt(text('x')).setProtectedHeader({ ...header, crit: ['ordo:rx'] }).encrypt(key).catch(() => null);
      if (zipped) await expect(decryptJwe(suite, key, zipped)).rejects.toThrow();
      const parts = ours.split('.');
      await expect(decryptJwe(suite, key, [parts[0], 'AAAA', ...parts.slice(2)].join('.'))).rejects.toThrow();
      await expect(decryptJwe(suite, crypto.getRandomValues(new Uint8Array(32)), ours)).rejects.toThrow();
    });

    it('DEFLATE with a preset dictionary: a round trip; the wrong dictionary or a damaged stream does not inflate to the text', () => {
      const dictionary = text('"patient":{"family":"');
      const data = text(JSON.stringify({ patient: { family: 'Martin', given: ['Jeanne'] }, items: Array.from({ length: 3 }, (_, i) => ({ item: i, label: 'Paracétamol 1 g' })) }));
      const packed = suite.deflateRaw(data, dictionary);
      expect(packed.length).toBeLessThan(data.length);
      expect(toHex(inflateExactly(packed, dictionary, data.length))).toBe(toHex(data));
      // The length stored beside the stream must be the length it inflates to.
      expect(() => inflateExactly(packed, dictionary, data.length + 1)).toThrow();
      expect(() => inflateExactly(packed, dictionary, data.length - 1)).toThrow();
      expect(() => inflateExactly(packed, dictionary, 2 ** 21)).toThrow(RangeError);
      const inflatesTo = (bytes: Uint8Array, dict: Uint8Array) => {
        try {
          return toHex(inflateExactly(bytes, dict, data.length));
        } catch {
          return 'refused';
        }
      };
      expect(inflatesTo(packed, text('another dictionary of the same kind'))).not.toBe(toHex(data));
      const damaged = Uint8Array.from(packed);
      damaged[Math.floor(damaged.length / 2)]! ^= 0x40;
      expect(inflatesTo(damaged, dictionary)).not.toBe(toHex(data));
    });

    if (other) {
      it(`signs what the ${other.name} suite verifies, and the reverse; seals what it opens, and the reverse`, async () => {
        const rsa = (await rsaKeyPair()).privateJwk;
        for (const [jwk, alg] of [[RFC8037.jwk, 'EdDSA'], [RFC7515_A3.jwk, 'ES256'], [rsa, 'PS256'], [rsa, 'RS256']] as const) {
          const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
          for (const [a, b] of [[suite, other], [other, suite]] as const) {
            const jws = await signJws(a, await a.importPrivate(jwk, alg), { alg, kid: 'k' }, { n: 1 });
            expect(await verifyJws(b, await b.importPublic(publicJwk, alg), jws), `${a.name} → ${b.name} ${alg}`).toBe(true);
          }
        }
        const key = crypto.getRandomValues(new Uint8Array(32));
        for (const [a, b] of [[suite, other], [other, suite]] as const) {
          const jwe = await encryptJwe(a, key, { alg: 'dir', enc: 'A256GCM', kid: 'k' }, text(`${a.name} to ${b.name}`));
          expect(new TextDecoder().decode((await decryptJwe(b, key, jwe)).plaintext)).toBe(`${a.name} to ${b.name}`);
        }
        const doc = text(JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ item: i, dosage: '1 comprimé matin et soir' })) }));
        for (const [a, b] of [[suite, other], [other, suite]] as const) {
          expect(toHex(inflateExactly(a.deflateRaw(doc, text('"dosage":"')), text('"dosage":"'), doc.length)), `${a.name} deflates, the one inflater inflates`).toBe(toHex(doc));
        }
        const data = crypto.getRandomValues(new Uint8Array(2048));
        expect(toHex(suite.sha256(data))).toBe(toHex(other.sha256(data)));
        expect(toHex(suite.hmacSha256(data.subarray(0, 32), data))).toBe(toHex(other.hmacSha256(data.subarray(0, 32), data)));
        expect(toHex(suite.hkdfSha256(data.subarray(0, 25), data.subarray(25, 35), text('ordo/content/v1'), 32))).toBe(toHex(other.hkdfSha256(data.subarray(0, 25), data.subarray(25, 35), text('ordo/content/v1'), 32)));
      });
    }
  });
}
