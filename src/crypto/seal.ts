/**
 * Sealing at rest: JWE compact, `dir` + `A256GCM`, under
 * HKDF-SHA256(ikm = v, salt = id, info = "ordo/content/v1"). The protected header binds the
 * ciphertext to its prescription, event index and kind of document, and GCM authenticates it,
 * so a sealed record moved to another row or index does not open.
 */
import { CompactEncrypt, compactDecrypt } from 'jose';
import { toBytes } from './hash.js';

const INFO = new TextEncoder().encode('ordo/content/v1');

export type SealedDoc = 'rx' | 'dispense' | 'cancel';
export type SealContext = { kid: string; rx: string; idx: number; doc: SealedDoc };

/** The 32-byte content key of a prescription at one code version. */
export async function contentKey(v: Uint8Array, id: Uint8Array): Promise<Uint8Array> {
  const ikm = await crypto.subtle.importKey('raw', v as BufferSource, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: id as BufferSource, info: INFO },
    ikm,
    256,
  );
  return new Uint8Array(bits);
}

export async function seal(key: Uint8Array, plaintext: string, ctx: SealContext): Promise<string> {
  return new CompactEncrypt(toBytes(plaintext))
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: ctx.kid, 'ordo:rx': ctx.rx, 'ordo:idx': ctx.idx, 'ordo:doc': ctx.doc })
    .encrypt(key);
}

/** Opens a sealed record, checking that its header names the expected place. */
export async function open(key: Uint8Array, jwe: string, expected: SealContext): Promise<string> {
  const { plaintext, protectedHeader: h } = await compactDecrypt(jwe, key, {
    keyManagementAlgorithms: ['dir'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  if (h['ordo:rx'] !== expected.rx || h['ordo:idx'] !== expected.idx || h['ordo:doc'] !== expected.doc) {
    // Not a client error: the database holds a record that is not where it claims to be.
    throw new Error(`sealed ${expected.doc} of ${expected.rx}#${expected.idx} carries a header for another place`);
  }
  return new TextDecoder().decode(plaintext);
}

