/** Hashing, canonical JSON and HMAC helpers, on WebCrypto so they run on Node, Workers and browsers. */
import canonicalize from 'canonicalize';
import { base64url } from 'jose';

const utf8 = new TextEncoder();

export const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? utf8.encode(data) : data;

export const b64url = (bytes: Uint8Array): string => base64url.encode(bytes);

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', toBytes(data) as BufferSource));
}

/** base64url SHA-256, the form of every hash in events and request tokens (`bdh`, `proofHash`). */
export async function sha256b64url(data: string | Uint8Array): Promise<string> {
  return b64url(await sha256(data));
}

/** RFC 8785 (JCS) canonical JSON. Throws on values JSON cannot carry. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export async function hmac(key: CryptoKey, data: string | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, toBytes(data) as BufferSource));
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
