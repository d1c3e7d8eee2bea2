/** Hand-made request tokens for the auth matrix: every way a token can be wrong. */
import { base64url, SignJWT } from 'jose';
import type { SigningKey } from '../../src/client/sign.js';

const enc = (v: unknown) => base64url.encode(JSON.stringify(v));

/**
 * Signs arbitrary header and claims with the key, bypassing every library check (jose would
 * refuse e.g. an unknown `crit`): WebCrypto's Ed25519 and ECDSA outputs are already JWS's form.
 */
export async function forge(key: SigningKey, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const input = `${enc(header)}.${enc(claims)}`;
  const algorithm = key.alg === 'EdDSA' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  const sig = await crypto.subtle.sign(algorithm, key.privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(sig))}`;
}

/** `alg: none`: no signature at all. */
export const unsigned = (header: Record<string, unknown>, claims: Record<string, unknown>) => `${enc(header)}.${enc(claims)}.`;

/** HS256 keyed with the bytes of the public JWK: the classic algorithm-confusion attack. */
export async function hs256WithPublicKey(key: SigningKey, claims: Record<string, unknown>): Promise<string> {
  const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'ordo-req+jwt' }).sign(secret);
}
