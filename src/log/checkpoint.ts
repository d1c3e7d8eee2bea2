/**
 * The body of a C2SP checkpoint (c2sp.org/tlog-checkpoint@v1.0.0, § Note text): at least three
 * non-empty newline-terminated lines, the origin, the tree size in decimal without leading
 * zeroes, the RFC 6962 root hash in standard base64, then optional non-empty extension lines.
 * Signed as a signed note (note.ts); `signCheckpoint` and `openCheckpoint` join the two.
 */
import type { CryptoSuite } from '../crypto/suite/types.js';
import {
  checkNoteText, decodeBase64, encodeBase64, isNoteSafe, isValidKeyName, openNote, signNote,
  type NoteSigner, type NoteVerifier, type OpenedNote, type OpenFailure, type Refused,
} from './note.js';

/** A SHA-256 hash, as RFC 6962 trees use. */
export const HASH_BYTES = 32;

export type Checkpoint = {
  readonly origin: string;
  /** The number of leaves; at most Number.MAX_SAFE_INTEGER here (the format has no bound). */
  readonly size: number;
  /** The 32-byte RFC 6962 root of the tree at that size. */
  readonly root: Uint8Array;
  /** Opaque extension lines, NOT RECOMMENDED by the spec ("not auditable by log monitors"). */
  readonly extensions?: readonly string[];
};

export type CheckpointFailure = 'not-newline-terminated' | 'control-character' | 'too-few-lines' | 'empty-line' | 'size' | 'root';

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** The value of an ASCII decimal with no leading zeroes ("0" for zero), or undefined, also past MAX_SAFE_INTEGER. */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text) || text.length > 16) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Throws RangeError unless `n` is a count the formats can write here: a safe non-negative integer. */
export function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} is a non-negative safe integer`);
}

/** A 32-byte hash from its canonical standard base64 line, or undefined. */
export function parseHash(line: string): Uint8Array | undefined {
  const hash = decodeBase64(line);
  return hash?.length === HASH_BYTES ? hash : undefined;
}

/** The base64 line of a 32-byte hash; throws RangeError for another length. */
export function formatHash(hash: Uint8Array): string {
  if (hash.length !== HASH_BYTES) throw new RangeError(`a hash is ${HASH_BYTES} bytes`);
  return encodeBase64(hash);
}

/**
 * The checkpoint's note text. Stricter than the parser where Ordo chooses: the origin must be a
 * valid key name (the spec's SHOULD: a schema-less URL with no space or `+`, so the log's key
 * can be named after it); extension lines non-empty, one line each. Throws RangeError.
 */
export function formatCheckpoint(c: Checkpoint): string {
  if (!isValidKeyName(c.origin)) throw new RangeError(`not a valid origin: ${JSON.stringify(c.origin)}`);
  checkCount(c.size, 'a tree size');
  const extensions = c.extensions ?? [];
  for (const line of extensions) {
    if (line === '' || line.includes('\n') || !isNoteSafe(line)) throw new RangeError('an extension line is one non-empty line');
  }
  const text = [c.origin, String(c.size), formatHash(c.root), ...extensions].map((line) => `${line}\n`).join('');
  checkNoteText(text);
  return text;
}

/**
 * The checkpoint in a note text, or why not. Any non-empty origin is read (clients "MUST NOT
 * assume" its form); anything else is refused: no final newline, a control character (a CR
 * among them), fewer than three lines, an empty line, a size with a sign, leading zero or
 * beyond 2^53 − 1, a root that is not canonical base64 of 32 bytes.
 */
export function parseCheckpoint(text: string): { readonly ok: true; readonly checkpoint: Checkpoint } | Refused<CheckpointFailure> {
  if (!text.endsWith('\n')) return { ok: false, reason: 'not-newline-terminated' };
  if (!isNoteSafe(text)) return { ok: false, reason: 'control-character' };
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return { ok: false, reason: 'too-few-lines' };
  if (lines.includes('')) return { ok: false, reason: 'empty-line' };
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  const size = parseDecimal(sizeLine);
  if (size === undefined) return { ok: false, reason: 'size' };
  const root = parseHash(rootLine);
  if (!root) return { ok: false, reason: 'root' };
  return { ok: true, checkpoint: { origin, size, root, extensions } };
}

/** The checkpoint as a signed note, by the log's key (whose name SHOULD be the origin). */
export const signCheckpoint = (suite: CryptoSuite, checkpoint: Checkpoint, signer: NoteSigner | readonly NoteSigner[]): Promise<string> =>
  signNote(suite, formatCheckpoint(checkpoint), signer);

export type OpenedCheckpoint = OpenedNote & { readonly checkpoint: Checkpoint };

/**
 * A signed checkpoint opened against trusted verifiers (openNote's rules), whose text is a
 * checkpoint and, when `origin` is given, of that origin.
 */
export async function openCheckpoint(
  suite: CryptoSuite, note: string | Uint8Array, verifiers: readonly NoteVerifier[], origin?: string,
): Promise<OpenedCheckpoint | Refused<OpenFailure | CheckpointFailure | 'origin'>> {
  const opened = await openNote(suite, note, verifiers);
  if (!opened.ok) return opened;
  const parsed = parseCheckpoint(opened.text);
  if (!parsed.ok) return parsed;
  if (origin !== undefined && parsed.checkpoint.origin !== origin) return { ok: false, reason: 'origin', detail: parsed.checkpoint.origin };
  return { ...opened, checkpoint: parsed.checkpoint };
}
