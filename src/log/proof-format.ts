/**
 * C2SP tlog-proof (c2sp.org/tlog-proof, § Format): an offline-verifiable proof that an entry is
 * in a log, as newline-separated lines:
 *
 *     c2sp.org/tlog-proof@v1
 *     extra <base64>          (optional, unauthenticated application data)
 *     index <decimal, no leading zeroes>
 *     <base64 hash>           (zero or more: the RFC 6962 § 2.1.1 inclusion proof, leaf's sibling first)
 *     <empty line>
 *     <the checkpoint, a signed note, verbatim>
 *
 * Format and parse only: checking the proof against the checkpoint's root is the Merkle code's,
 * and the checkpoint's signatures openCheckpoint's.
 */
import { checkCount, formatHash, parseCheckpoint, parseDecimal, parseHash } from './checkpoint.js';
import { decodeBase64, encodeBase64, parseNote, type Refused } from './note.js';

export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** Proofs SHOULD be stored with this file extension. */
export const TLOG_PROOF_EXTENSION = '.tlog-proof';
/** An inclusion proof in a tree of fewer than 2^63 leaves has at most 63 hashes. */
export const MAX_PROOF_HASHES = 63;

export type TlogProof = {
  /** The zero-based index of the entry in the log. */
  readonly index: number;
  /** Opaque extra data; applications MUST NOT trust it (it is not authenticated). */
  readonly extra?: Uint8Array;
  /** The inclusion proof, one 32-byte hash each, from the leaf's sibling up to the root's child. */
  readonly proof: readonly Uint8Array[];
  /** The checkpoint note, signature lines included, verbatim. */
  readonly checkpoint: string;
};

export type TlogProofFailure =
  | 'header' | 'extra' | 'index' | 'proof-hash' | 'too-many-hashes' | 'no-blank-line' | 'checkpoint' | 'index-beyond-size';

/**
 * Checks that `note` is a syntactically valid signed note whose text is a checkpoint, and
 * returns that checkpoint's size (signatures are not verified here).
 */
export function checkpointNoteSize(note: string): number | undefined {
  const parsed = parseNote(note);
  if (!parsed.ok) return undefined;
  const checkpoint = parseCheckpoint(parsed.text);
  return checkpoint.ok ? checkpoint.checkpoint.size : undefined;
}

/** The proof's text; throws RangeError for an index, hash or checkpoint the format cannot carry. */
export function formatTlogProof(p: TlogProof): string {
  checkCount(p.index, 'an index');
  if (p.proof.length > MAX_PROOF_HASHES) throw new RangeError(`an inclusion proof has at most ${MAX_PROOF_HASHES} hashes`);
  const size = checkpointNoteSize(p.checkpoint);
  if (size === undefined) throw new RangeError('not a signed checkpoint note');
  if (p.index >= size) throw new RangeError(`index ${p.index} is not in a tree of ${size} leaves`);
  const lines = [TLOG_PROOF_HEADER, ...(p.extra ? [`extra ${encodeBase64(p.extra)}`] : []), `index ${p.index}`, ...p.proof.map(formatHash)];
  return `${lines.join('\n')}\n\n${p.checkpoint}`;
}

/**
 * A tlog-proof, or why not: the header line exactly; an optional `extra ` line of canonical
 * base64 (empty data allowed, it is valid base64); `index ` and a decimal with no leading zero;
 * up to 63 canonical base64 32-byte hashes; an empty line; then a signed note whose text is a
 * checkpoint of more than `index` leaves. CR, spaces, or any other line are refused.
 */
export function parseTlogProof(text: string): { readonly ok: true; readonly proof: TlogProof } | Refused<TlogProofFailure> {
  const blank = text.indexOf('\n\n');
  if (blank < 0) return { ok: false, reason: 'no-blank-line' };
  const lines = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (lines.shift() !== TLOG_PROOF_HEADER) return { ok: false, reason: 'header' };
  let extra: Uint8Array | undefined;
  if (lines[0]?.startsWith('extra ')) {
    extra = decodeBase64(lines.shift()!.slice('extra '.length));
    if (!extra) return { ok: false, reason: 'extra' };
  }
  const indexLine = lines.shift();
  const index = indexLine?.startsWith('index ') ? parseDecimal(indexLine.slice('index '.length)) : undefined;
  if (index === undefined) return { ok: false, reason: 'index' };
  if (lines.length > MAX_PROOF_HASHES) return { ok: false, reason: 'too-many-hashes' };
  const proof: Uint8Array[] = [];
  for (const line of lines) {
    const hash = parseHash(line);
    if (!hash) return { ok: false, reason: 'proof-hash' };
    proof.push(hash);
  }
  const size = checkpointNoteSize(checkpoint);
  if (size === undefined) return { ok: false, reason: 'checkpoint' };
  if (index >= size) return { ok: false, reason: 'index-beyond-size' };
  return { ok: true, proof: { index, ...(extra && { extra }), proof, checkpoint } };
}
