/** Key files for clients: a private JWK on disk (or in IndexedDB), turned into a signing key. */
import { calculateJwkThumbprint, exportJWK, importJWK, type JWK } from 'jose';
import { algOfJwk } from '../crypto/keys.js';
import type { SigningKey } from './sign.js';

const publicOf = (jwk: JWK): JWK =>
  jwk.kty === 'OKP' ? { kty: 'OKP', crv: jwk.crv, x: jwk.x } : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };

/** A signing key from a private JWK (Ed25519 or P-256). */
export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  const alg = algOfJwk(jwk);
  if (!alg || typeof jwk.d !== 'string') throw new Error('not a private Ed25519 or P-256 JWK');
  const publicJwk = publicOf(jwk);
  return { kid: await calculateJwkThumbprint(publicJwk, 'sha256'), alg, privateKey: (await importJWK(jwk, alg)) as CryptoKey, publicJwk };
}

/** The private JWK of a key made extractable (by `generateKey`), for writing to a file. */
export async function exportPrivateJwk(key: SigningKey): Promise<JWK> {
  return { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: key.alg };
}

export { publicOf as publicJwkOf };
