/** What both suites check of a JWK before importing it. */
import type { JWK } from 'jose';
import { decodeBase64url } from '../../lib/base64url.js';
import { isRsaAlg, type KeyAlg } from './types.js';

/** RSA moduli Ordo accepts, in bits: 2,048 (the ANSSI and BSI floor) to 4,096. */
export const RSA_BITS = { min: 2048, max: 4096 } as const;

/** The modulus length in bytes of an RSA JWK's `n` (leading zero bytes not counted); throws unless 2,048 to 4,096 bits with e = 65537. */
export function rsaModulusBytes(jwk: JWK): number {
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || jwk.e !== 'AQAB') throw new TypeError('not an RSA key with e = 65537');
  const n = decodeBase64url(jwk.n);
  let at = 0;
  while (at < n.length && n[at] === 0) at++;
  const bits = (n.length - at) * 8 - (at < n.length ? Math.clz32(n[at]!) - 24 : 0);
  if (bits < RSA_BITS.min || bits > RSA_BITS.max) throw new TypeError(`an RSA modulus of ${bits} bits (Ordo takes ${RSA_BITS.min} to ${RSA_BITS.max})`);
  return Math.ceil(bits / 8);
}

/**
 * Throws unless the JWK is of the kind `alg` signs with (Ed25519 for EdDSA, P-256 for ES256,
 * RSA of 2,048 to 4,096 bits with e = 65537 for PS256 and RS256); returns its signatures' length.
 */
export function checkCurve(jwk: JWK, alg: KeyAlg): number {
  if (isRsaAlg(alg)) return rsaModulusBytes(jwk);
  const ok = alg === 'EdDSA' ? jwk.kty === 'OKP' && jwk.crv === 'Ed25519' : jwk.kty === 'EC' && jwk.crv === 'P-256';
  if (!ok) throw new TypeError(`not a ${alg === 'EdDSA' ? 'Ed25519' : 'P-256'} key`);
  return 64;
}

/** The public members of a key of the kind `alg` signs with (`kty`, `crv`, `x`, and `y` for P-256; `kty`, `n`, `e` for RSA); throws for another kind. */
export function publicMembers(jwk: JWK, alg: KeyAlg): JWK {
  checkCurve(jwk, alg);
  if (isRsaAlg(alg)) return { kty: 'RSA', n: jwk.n, e: jwk.e };
  const { kty, crv, x, y } = jwk;
  return { kty, crv, x, ...(y !== undefined && { y }) };
}

/** RFC 8410 PKCS #8 of an Ed25519 private key: a fixed DER prefix, then its 32-byte seed. */
export function ed25519Pkcs8(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed has 32 bytes');
  const der = new Uint8Array(48);
  der.set([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
  der.set(seed, 16);
  return der;
}
