/**
 * The suite on Node: node:crypto, synchronous. A WebCrypto call is a job handed to the thread
 * pool and back, which costs more than the operation itself on the inputs Ordo has (a token, a
 * 2 KB document); here each is a direct call on the event loop (issue 15 measured Ed25519
 * verify 123 → 66 µs, AES-256-GCM on 2 KB 77 → 13–20 µs, SHA-256 16 → 3 µs).
 */
import { constants, createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import type { JWK } from 'jose';
import type { CryptoSuite, SuiteKey } from '../crypto/suite/types.js';
import { checkCurve, ed25519Pkcs8, publicMembers } from '../crypto/suite/jwk.js';

const TAG = 16;
const keyOf = (k: SuiteKey) => k.handle as KeyObject;
/** Ed25519 takes no digest; ES256 is SHA-256 with the signature in P1363 form; PS256 PSS with a 32-byte salt (MGF1 SHA-256), RS256 PKCS #1 v1.5. */
function options(k: SuiteKey) {
  switch (k.alg) {
    case 'EdDSA':
      return keyOf(k);
    case 'ES256':
      return { key: keyOf(k), dsaEncoding: 'ieee-p1363' as const };
    case 'PS256':
      return { key: keyOf(k), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    case 'RS256':
      return { key: keyOf(k), padding: constants.RSA_PKCS1_PADDING };
  }
}
const digest = (k: SuiteKey) => (k.alg === 'EdDSA' ? null : 'sha256');

/**
 * HKDF-SHA256 (RFC 5869) as its HMACs: node's hkdfSync wraps its input in a KeyObject first,
 * which made it 28 µs against 13 µs for the two HMACs of a 32-byte key here.
 */
function hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new RangeError('HKDF-SHA256 gives 0 to 8,160 bytes');
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const out = new Uint8Array(length);
  let block: Uint8Array = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++, at += 32) {
    block = createHmac('sha256', prk).update(block).update(info).update(Uint8Array.of(i)).digest();
    out.set(block.subarray(0, Math.min(32, length - at)), at);
  }
  return out;
}

export const nodeSuite: CryptoSuite = {
  name: 'node',
  async importPublic(jwk, alg) {
    return { alg, signatureBytes: checkCurve(jwk, alg), handle: createPublicKey({ key: publicMembers(jwk, alg) as never, format: 'jwk' }) };
  },
  async importPrivate(jwk, alg) {
    return { alg, signatureBytes: checkCurve(jwk, alg), handle: createPrivateKey({ key: jwk as never, format: 'jwk' }) };
  },
  async sign(key, data) {
    return new Uint8Array(sign(digest(key), data, options(key)));
  },
  async verify(key, data, signature) {
    if (signature.length !== key.signatureBytes) return false;
    try {
      return verify(digest(key), data, options(key), signature);
    } catch {
      return false;
    }
  },
  async encrypt(key, iv, plaintext, aad) {
    const c = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
    const out = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
  async decrypt(key, iv, sealed, aad) {
    if (sealed.length < TAG) throw new Error('sealed text shorter than its tag');
    const d = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG }).setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    const out = Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  },
  sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
  hmacSha256: (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest()),
  async ed25519FromSeed(seed) {
    return createPrivateKey({ key: Buffer.from(ed25519Pkcs8(seed)), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as JWK;
  },
  hkdfSha256: hkdf,
  // zlib is native and synchronous: about 30 µs for a token, 35–55 µs for a 1.3 KB prescription (fflate: 80–100 µs).
  deflateRaw: (data, dictionary) => new Uint8Array(deflateRawSync(data, { level: 6, dictionary })),
};
