/** What both suites check of a JWK before importing it. */
import type { JWK } from 'jose';
import type { KeyAlg } from './types.js';

/** Throws unless the JWK is of the curve `alg` signs with (Ed25519 for EdDSA, P-256 for ES256). */
export function checkCurve(jwk: JWK, alg: KeyAlg): void {
  const ok = alg === 'EdDSA' ? jwk.kty === 'OKP' && jwk.crv === 'Ed25519' : jwk.kty === 'EC' && jwk.crv === 'P-256';
  if (!ok) throw new TypeError(`not a ${alg === 'EdDSA' ? 'Ed25519' : 'P-256'} key`);
}

/** The public members of a key of the curve `alg` signs with (`kty`, `crv`, `x`, and `y` for P-256); throws for another curve. */
export function publicMembers(jwk: JWK, alg: KeyAlg): JWK {
  checkCurve(jwk, alg);
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
