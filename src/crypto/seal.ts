/**
 * Sealing at rest: JWE compact, `dir` + `A256GCM`, under
 * HKDF-SHA256(ikm = v, salt = id, info = "ordo/content/v1"). The protected header binds the
 * ciphertext to its prescription, event index and kind of document, and GCM authenticates it,
 * so a sealed record moved to another row or index does not open.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { b64url, toBytes } from './hash.js';

const INFO = new TextEncoder().encode('ordo/content/v1');

export type SealedDoc = 'rx' | 'dispense' | 'cancel' | 'terms';
export type SealContext = { kid: string; rx: string; idx: number; doc: SealedDoc };

/** The 32-byte content key of a prescription at one code version. */
export async function contentKey(v: Uint8Array, id: Uint8Array): Promise<Uint8Array> {
  return hkdf(sha256, v, id, INFO, 32);
}

/**
 * The content key as a WebCrypto AES-GCM key, imported once and reused: jose would otherwise
 * import the raw bytes again for every record it seals or opens (an asynchronous job each).
 * Kept for the most recently used prescriptions only, in this process's memory.
 */
const aesKeys = new Map<string, Promise<CryptoKey>>();
const AES_KEYS_KEPT = 10_000;
function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  const name = b64url(raw);
  let key = aesKeys.get(name);
  if (key) {
    aesKeys.delete(name); // most recent last
  } else {
    key = crypto.subtle.importKey('raw', raw as BufferSource, 'AES-GCM', false, ['encrypt', 'decrypt']);
    if (aesKeys.size >= AES_KEYS_KEPT) aesKeys.delete(aesKeys.keys().next().value!);
  }
  aesKeys.set(name, key);
  return key;
}

export async function seal(key: Uint8Array, plaintext: string, ctx: SealContext): Promise<string> {
  return new CompactEncrypt(toBytes(plaintext))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: ctx.kid, 'ordo:rx': ctx.rx, 'ordo:idx': ctx.idx, 'ordo:doc': ctx.doc })
    .encrypt(await aesKey(key));
}

/** Opens a sealed record, checking that its header names the expected place. */
export async function open(key: Uint8Array, jwe: string, expected: SealContext): Promise<string> {
  const { plaintext, protectedHeader: h } = await compactDecrypt(jwe, await aesKey(key), {
    keyManagementAlgorithms: ['dir'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  if (h['ordo:rx'] !== expected.rx || h['ordo:idx'] !== expected.idx || h['ordo:doc'] !== expected.doc) {
    // Not a client error: the database holds a record that is not where it claims to be.
    throw new Error(`sealed ${expected.doc} of ${expected.rx}#${expected.idx} carries a header for another place`);
  }
  // Exactly the text sealed: a leading byte-order mark is kept (a cancel record is hashed as signed).
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(plaintext);
}

