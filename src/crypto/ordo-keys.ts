/**
 * Ordo's own keys: the receipt signer (its public half and any retired ones are published at
 * /.well-known/jwks.json) and the token key behind every code, every seal and every keyed MAC.
 */
import { calculateJwkThumbprint, exportJWK, importJWK, type JWK } from 'jose';
import { toLowS } from './ecdsa.js';
import { b64url, hmac, sha256 } from './hash.js';
import { algOfJwk, type CurveAlg } from './keys.js';
import { receiptParts, type ReceiptEvent } from './receipt.js';
import { signJws } from './suite/compact.js';
import type { CryptoSuite, SuiteKey } from './suite/types.js';

/** The receipt key, imported by the suite that signs with it. */
export type OrdoSigner = { kid: string; alg: CurveAlg; key: SuiteKey; suite: CryptoSuite; publicJwk: JWK };
export type TokenKey = { id: string; hmacKey: Uint8Array };
export type { ReceiptEvent } from './receipt.js';

export async function loadSigner(privateJwk: JWK, suite: CryptoSuite): Promise<OrdoSigner> {
  const alg = algOfJwk(privateJwk);
  if (!alg || typeof privateJwk.d !== 'string') {
    throw new Error('ORDO_SIGNING_KEY must be a private Ed25519 (OKP) or P-256 (EC) JWK');
  }
  const key = await suite.importPrivate(privateJwk, alg);
  const { kid, publicJwk } = await publicReceiptJwk(privateJwk);
  return { kid, alg, key, suite, publicJwk };
}

/**
 * The public half of a receipt key (given public or private) as the JWKS publishes it:
 * only `kty`, `crv`, `x` (and `y`), plus `kid` (its RFC 7638 SHA-256 thumbprint, the `kid`
 * Ordo signs receipts with, whatever `kid` the input carried), `alg` and `use`. Throws a
 * readable Error for anything that is not an Ed25519 or P-256 public key.
 */
export async function publicReceiptJwk(jwk: JWK): Promise<{ kid: string; publicJwk: JWK }> {
  const alg = algOfJwk(jwk);
  if (!alg) throw new Error('not an Ed25519 (OKP) or P-256 (EC) key');
  const bare: JWK = jwk.kty === 'OKP' ? { kty: 'OKP', crv: jwk.crv, x: jwk.x } : { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  try {
    await importJWK(bare, alg); // checks the coordinates (length, point on the curve)
  } catch {
    throw new Error(`not a valid ${jwk.crv} public key`);
  }
  const kid = await calculateJwkThumbprint(bare, 'sha256');
  return { kid, publicJwk: { ...bare, kid, alg, use: 'sig' } };
}

export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  return exportJWK(privateKey);
}

/**
 * The token key as the HMAC-SHA256 key codes are made with (a private copy of its bytes). The
 * design requires at least 32 bytes (RangeError otherwise). HMAC runs synchronously (see
 * crypto/hash.ts for why).
 */
export async function importTokenKey(raw: Uint8Array): Promise<Uint8Array> {
  if (raw.length < 32) throw new RangeError('the token key has at least 32 bytes');
  return new Uint8Array(raw);
}

/** The token key's id: a hash of it, stored with each prescription so the key can be rotated. */
export async function loadTokenKey(raw: Uint8Array): Promise<TokenKey> {
  const hmacKey = await importTokenKey(raw); // refuses fewer than 32 bytes
  const id = b64url((await sha256(new Uint8Array([...new TextEncoder().encode('ordo/token-key-id/v1\0'), ...raw]))).slice(0, 12));
  return { id, hmacKey };
}

/**
 * A keyed MAC for things that must be comparable without being guessable (a document's
 * canonical payload, a client address). The label keeps these inputs apart from the
 * 14-byte `id ‖ n` inputs of codes.
 */
export async function keyedMac(key: TokenKey, label: string, data: string): Promise<string> {
  return b64url(await hmac(key.hmacKey, `ordo/${label}/v1\0${data}`));
}

/** A receipt: Ordo's signature over one event of one prescription. */
export async function signReceipt(signer: OrdoSigner, issuer: string, sub: string, evt: ReceiptEvent, nowMs: number): Promise<string> {
  const { header, payload } = receiptParts({ alg: signer.alg, kid: signer.kid, iss: issuer }, sub, evt, Math.floor(nowMs / 1000));
  const jws = await signJws(signer.suite, signer.key, header, payload);
  // One string form for a receipt too: an ES256 signature in low-S form.
  return signer.alg === 'ES256' ? toLowS(jws) : jws;
}
