/**
 * Sealing at rest: JWE compact, `dir` + `A256GCM`, under
 * HKDF-SHA256(ikm = v, salt = id, info = "ordo/content/v1"). The protected header binds the
 * ciphertext to its prescription, event index and kind of document, and GCM authenticates it,
 * so a sealed record moved to another row or index does not open. The cryptography is the
 * runtime's suite (crypto/suite), the bytes the same on both.
 */
import { toBytes } from './hash.js';
import { packJws, sealHeader, unpackJws } from './pack.js';
import { decryptJwe, encryptJwe } from './suite/compact.js';
import type { CryptoSuite } from './suite/types.js';

const INFO = new TextEncoder().encode('ordo/content/v1');

export type SealedDoc = 'rx' | 'dispense' | 'cancel' | 'terms';
export type SealContext = { kid: string; rx: string; idx: number; doc: SealedDoc };

/** The 32-byte content key of a prescription at one code version. */
export async function contentKey(suite: CryptoSuite, v: Uint8Array, id: Uint8Array): Promise<Uint8Array> {
  return suite.hkdfSha256(v, id, INFO, 32);
}

/** `ordo:pack` 1: the plaintext is the signed document packed (crypto/pack.ts), not its text. */
const PACKED_JWS = 1;

/**
 * Seals `plaintext` for its place. A signed document (`rx`, `dispense`) is sealed packed, its
 * three parts decoded and deflated (a third of its text), and the header says so
 * (`"ordo:pack": 1`); opening gives back the text exactly.
 */
export async function seal(suite: CryptoSuite, key: Uint8Array, plaintext: string, ctx: SealContext): Promise<string> {
  const packed = ctx.doc === 'rx' || ctx.doc === 'dispense' ? packJws(suite, plaintext) : null;
  const header = sealHeader(ctx.kid, ctx.rx, ctx.idx, ctx.doc, packed ? PACKED_JWS : undefined);
  return encryptJwe(suite, key, header, packed ?? toBytes(plaintext));
}

/** Opens a sealed record, checking that its header names the expected place. */
export async function open(suite: CryptoSuite, key: Uint8Array, jwe: string, expected: SealContext): Promise<string> {
  const { plaintext, header: h } = await decryptJwe(suite, key, jwe);
  if (h['ordo:rx'] !== expected.rx || h['ordo:idx'] !== expected.idx || h['ordo:doc'] !== expected.doc) {
    // Not a client error: the database holds a record that is not where it claims to be.
    throw new Error(`sealed ${expected.doc} of ${expected.rx}#${expected.idx} carries a header for another place`);
  }
  if (h['ordo:pack'] === PACKED_JWS) return unpackJws(plaintext);
  if (h['ordo:pack'] !== undefined) throw new Error(`sealed ${expected.doc} of ${expected.rx}#${expected.idx} is packed in an unknown form`);
  // Exactly the text sealed: a leading byte-order mark is kept (a cancel record is hashed as signed).
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(plaintext);
}
