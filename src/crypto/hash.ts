/**
 * Hashing, canonical JSON and HMAC helpers, the same on Node, Workers and browsers.
 *
 * SHA-256 and HMAC are synchronous: node:crypto where the runtime has it (Node; Workers with
 * `nodejs_compat`), @noble/hashes (audited, pure JS) elsewhere, never WebCrypto: the inputs are
 * small (a token, a document, an event) and a WebCrypto call is an asynchronous job on the thread
 * pool whose hand-off costs more than the hash itself. On this project's machine SHA-256 of 2 KB
 * took 5 µs through node:crypto and 35 µs through @noble/hashes; an HMAC of a code 6 and 11–16 µs.
 * Signatures and encryption go through the runtime's crypto suite (src/crypto/suite).
 */
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import canonicalize from 'canonicalize';
import { encodeBase64url } from '../lib/base64url.js';

type Digest = { update(data: Uint8Array): Digest; digest(): Uint8Array };
type NodeCrypto = { createHash(alg: 'sha256'): Digest; createHmac(alg: 'sha256', key: Uint8Array): Digest };
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

const sha256Now: (data: Uint8Array) => Uint8Array = nodeCrypto
  ? (data) => new Uint8Array(nodeCrypto.createHash('sha256').update(data).digest())
  : (data) => nobleSha256(data);
const hmacNow: (key: Uint8Array, data: Uint8Array) => Uint8Array = nodeCrypto
  ? (key, data) => new Uint8Array(nodeCrypto.createHmac('sha256', key).update(data).digest())
  : (key, data) => nobleHmac(nobleSha256, key, data);
/** Which implementation this runtime hashes with (for tests). */
export const hashImplementation = nodeCrypto ? 'node:crypto' : '@noble/hashes';

const utf8 = new TextEncoder();

export const toBytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? utf8.encode(data) : data;

export const b64url = encodeBase64url;

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  return sha256Now(toBytes(data));
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
  return hmacNow(key, toBytes(data));
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
