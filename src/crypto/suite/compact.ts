/**
 * Compact JWS and JWE over a crypto suite, in exactly the bytes jose writes and reads for the
 * two forms Ordo uses: JWS `EdDSA` / `ES256` (64-byte P1363 signatures), and JWE `dir` +
 * `A256GCM` (empty encrypted key, 12-byte IV, 16-byte tag, the protected header's base64url
 * text as the AAD). The headers are written in the order given; what a header may hold is the
 * callers' to check (crypto/jws.ts for practitioners' tokens, crypto/seal.ts for sealed records).
 */
import { decodeBase64url, encodeBase64url } from '../../lib/base64url.js';
import type { CryptoSuite, SuiteKey } from './types.js';

const ascii = new TextEncoder();
const b64 = encodeBase64url;
const json = (value: unknown) => b64(ascii.encode(JSON.stringify(value)));

/** `header.payload.signature`, header and payload as JSON of the objects given; `header.alg` must be the key's. */
export async function signJws(suite: CryptoSuite, key: SuiteKey, header: { alg: string } & Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  if (header.alg !== key.alg) throw new TypeError(`a ${key.alg} key cannot sign a ${header.alg} header`);
  const input = `${json(header)}.${json(payload)}`;
  return `${input}.${b64(await suite.sign(key, ascii.encode(input)))}`;
}

/** Whether a compact JWS carries `key`'s signature; false for anything that is not one. */
export async function verifyJws(suite: CryptoSuite, key: SuiteKey, token: string): Promise<boolean> {
  const dot = token.lastIndexOf('.');
  if (dot < 0 || token.indexOf('.') === dot) return false;
  let signature: Uint8Array;
  try {
    signature = decodeBase64url(token.slice(dot + 1));
  } catch {
    return false;
  }
  return suite.verify(key, ascii.encode(token.slice(0, dot)), signature);
}

export type JweHeader = { alg: 'dir'; enc: 'A256GCM' } & Record<string, unknown>;

/** `header..iv.ciphertext.tag` under a 32-byte key. */
export async function encryptJwe(suite: CryptoSuite, key: Uint8Array, header: JweHeader, plaintext: Uint8Array): Promise<string> {
  const protectedHeader = json(header);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await suite.encrypt(key, iv, plaintext, ascii.encode(protectedHeader));
  return `${protectedHeader}..${b64(iv)}.${b64(sealed.subarray(0, sealed.length - 16))}.${b64(sealed.subarray(sealed.length - 16))}`;
}

/**
 * The header and plaintext of a compact JWE `dir` + `A256GCM` under `key`; throws for any other
 * form (a key-wrapping `alg`, `zip`, `crit`, an IV or tag of another length) and when the tag
 * does not verify.
 */
export async function decryptJwe(suite: CryptoSuite, key: Uint8Array, jwe: string): Promise<{ header: JweHeader; plaintext: Uint8Array }> {
  const parts = jwe.split('.');
  if (parts.length !== 5 || parts[1] !== '') throw new Error('not a compact JWE with direct encryption');
  const [h, , ivText, ctText, tagText] = parts as [string, string, string, string, string];
  const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64url(h))) as Record<string, unknown>;
  if (typeof header !== 'object' || header === null || header.alg !== 'dir' || header.enc !== 'A256GCM') throw new Error('not dir + A256GCM');
  if ('zip' in header || 'crit' in header) throw new Error('zip and crit are not used');
  const iv = decodeBase64url(ivText);
  const tag = decodeBase64url(tagText);
  if (iv.length !== 12 || tag.length !== 16) throw new Error('an A256GCM IV is 12 bytes and its tag 16');
  const ciphertext = decodeBase64url(ctText);
  const sealed = new Uint8Array(ciphertext.length + 16);
  sealed.set(ciphertext);
  sealed.set(tag, ciphertext.length);
  return { header: header as JweHeader, plaintext: await suite.decrypt(key, iv, sealed, ascii.encode(h)) };
}
