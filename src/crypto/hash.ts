/**
 * Hashing, canonical JSON and HMAC helpers, the same on Node, Workers and browsers.
 *
 * SHA-256 and HMAC are @noble/hashes (audited, pure JS, synchronous) rather than WebCrypto: the
 * inputs are small (a token, a document, an event) and a WebCrypto call is an asynchronous job on
 * the thread pool whose hand-off costs more than the hash itself. The benchmark showed it (see the
 * README's "Performance"). Signatures and encryption go through the runtime's crypto suite
 * (src/crypto/suite).
 */
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import canonicalize from 'canonicalize';
import { encodeBase64url } from '../lib/base64url.js';

const utf8 = new TextEncoder();

export const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? utf8.encode(data) : data;

export const b64url = encodeBase64url;

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  return nobleSha256(toBytes(data));
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

/** HMAC-SHA256 under a raw key. */
export async function hmac(key: Uint8Array, data: string | Uint8Array): Promise<Uint8Array> {
  return nobleHmac(nobleSha256, key, toBytes(data));
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
