/**
 * Signing for clients (prescriber and pharmacy software, the CLI, the pages, the tests):
 * request tokens and signed documents exactly as Ordo expects them. Runtime-neutral.
 */
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';
import { toLowS } from '../crypto/ecdsa.js';
import { b64url, randomBytes, sha256b64url } from '../crypto/hash.js';
import type { KeyAlg } from '../crypto/keys.js';

export type SigningKey = { kid: string; alg: KeyAlg; privateKey: CryptoKey; publicJwk: JWK };

/** A fresh key pair: Ed25519 by default, P-256 on request. */
export async function generateKey(type: 'Ed25519' | 'P-256' = 'Ed25519'): Promise<SigningKey> {
  const params = type === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
  const full = await exportJWK(pair.publicKey);
  const publicJwk: JWK = type === 'Ed25519' ? { kty: 'OKP', crv: 'Ed25519', x: full.x } : { kty: 'EC', crv: 'P-256', x: full.x, y: full.y };
  return { kid: await calculateJwkThumbprint(publicJwk, 'sha256'), alg: type === 'Ed25519' ? 'EdDSA' : 'ES256', privateKey: pair.privateKey, publicJwk };
}

export type RequestTokenInput = {
  key: SigningKey;
  iss: string;
  aud: string;
  method: string;
  /** Path only: no scheme, host or query. */
  path: string;
  /** The exact body bytes or text that will be sent, if any. */
  body?: string | Uint8Array;
  sub?: string;
  /** Seconds since the epoch; defaults to now. */
  now?: number;
  lifetime?: number;
  jti?: string;
};

export async function signRequestToken(t: RequestTokenInput): Promise<string> {
  const iat = t.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: t.iss,
    aud: t.aud,
    iat,
    exp: iat + (t.lifetime ?? 120),
    jti: t.jti ?? b64url(randomBytes(18)),
    htm: t.method.toUpperCase(),
    htu: t.path,
  };
  if (t.body !== undefined && (typeof t.body === 'string' ? t.body.length : t.body.byteLength) > 0) claims.bdh = await sha256b64url(t.body);
  if (t.sub !== undefined) claims.sub = t.sub;
  return inOneForm(t.key, await new SignJWT(claims).setProtectedHeader({ alg: t.key.alg, kid: t.key.kid, typ: 'ordo-req+jwt' }).sign(t.key.privateKey));
}

/** Signs a prescription (`ordo-rx+jwt`) or dispensing record (`ordo-dispense+jwt`). */
export async function signDocument(key: SigningKey, typ: 'ordo-rx+jwt' | 'ordo-dispense+jwt', payload: Record<string, unknown>): Promise<string> {
  return inOneForm(key, await new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).sign(key.privateKey));
}

/** ES256 signatures in low-S form, the one Ordo accepts (WebCrypto signs either half). */
const inOneForm = (key: Pick<SigningKey, 'alg'>, jws: string) => (key.alg === 'ES256' ? toLowS(jws) : jws);
