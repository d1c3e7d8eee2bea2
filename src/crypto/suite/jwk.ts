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
