/**
 * The bodies of C2SP tlog-witness `add-checkpoint` (c2sp.org/tlog-witness, § add-checkpoint),
 * without HTTP. The request body is newline-terminated lines:
 *
 *     old <size of the previous checkpoint, decimal, no leading zeroes; 0 if none>
 *     <base64 hash>        (zero to 63: the RFC 6962 § 2.1.2 consistency proof from old to new)
 *     <empty line>
 *     <the checkpoint, a signed note, maybe with several signatures>
 *
 * A 200 answer is one or more cosignature lines; a 409 for a stale old size is that witness's
 * latest cosigned size in decimal and a newline, as `text/x.tlog.size`.
 */
import { checkCount, formatHash, parseDecimal, parseHash } from './checkpoint.js';
import { MAX_SIGNATURES, parseSignatureLine, type NoteSignature, type Refused } from './note.js';
import { checkpointNoteSize } from './proof-format.js';

/** `POST <submission prefix>/add-checkpoint`. */
export const ADD_CHECKPOINT_PATH = '/add-checkpoint';
/** The content type of a 409 body carrying the witness's latest cosigned size. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';
/** "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_CONSISTENCY_PROOF_LINES = 63;

/**
 * The status codes tlog-witness gives `add-checkpoint`, in the order a witness checks:
 * 404 for an unknown origin, 403 when no signature verifies against a trusted key of it, 400 when
 * the old size exceeds the checkpoint's, 409 when the old size is not the latest cosigned one
 * (with that size in the body) or when the sizes are equal and the roots are not, 422 when the
 * consistency proof does not verify, and 200 with the cosignature lines once the new checkpoint is
 * persisted. The spec names 400 only for the old size; a body this module refuses is a bad
 * request too.
 */
export const WITNESS_STATUS = {
  cosigned: 200,
  badRequest: 400,
  untrustedSignature: 403,
  unknownOrigin: 404,
  conflict: 409,
  inconsistent: 422,
} as const;
export type WitnessStatus = (typeof WITNESS_STATUS)[keyof typeof WITNESS_STATUS];

export type AddCheckpointRequest = {
  /** The size of the checkpoint the client believes the witness last cosigned (0 if none). */
  readonly oldSize: number;
  /** The consistency proof from `oldSize` to the checkpoint's size; empty when `oldSize` is 0. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note. */
  readonly checkpoint: string;
};

export type AddCheckpointFailure = 'old-size' | 'proof-hash' | 'too-many-hashes' | 'proof-for-empty-tree' | 'no-blank-line' | 'checkpoint';

/** The request body; throws RangeError for what the spec forbids a client to send. */
export function formatAddCheckpoint(r: AddCheckpointRequest): string {
  checkCount(r.oldSize, 'an old size');
  if (r.proof.length > MAX_CONSISTENCY_PROOF_LINES) throw new RangeError(`at most ${MAX_CONSISTENCY_PROOF_LINES} consistency proof lines`);
  if (r.oldSize === 0 && r.proof.length > 0) throw new RangeError('the proof is empty when the old size is zero');
  if (checkpointNoteSize(r.checkpoint) === undefined) throw new RangeError('not a signed checkpoint note');
  return [`old ${r.oldSize}`, ...r.proof.map(formatHash)].map((line) => `${line}\n`).join('') + `\n${r.checkpoint}`;
}

/**
 * The request, or why not: `old ` and a decimal with no leading zero, up to 63 canonical base64
 * 32-byte hashes (none when the old size is 0), an empty line, a signed note whose text is a
 * checkpoint. Signatures, sizes and the proof are the witness's to check (WITNESS_STATUS).
 */
export function parseAddCheckpoint(body: string): { readonly ok: true; readonly request: AddCheckpointRequest } | Refused<AddCheckpointFailure> {
  const blank = body.indexOf('\n\n');
  if (blank < 0) return { ok: false, reason: 'no-blank-line' };
  const [oldLine, ...hashLines] = body.slice(0, blank).split('\n') as [string, ...string[]];
  const oldSize = oldLine.startsWith('old ') ? parseDecimal(oldLine.slice('old '.length)) : undefined;
  if (oldSize === undefined) return { ok: false, reason: 'old-size' };
  if (hashLines.length > MAX_CONSISTENCY_PROOF_LINES) return { ok: false, reason: 'too-many-hashes' };
  const proof: Uint8Array[] = [];
  for (const line of hashLines) {
    const hash = parseHash(line);
    if (!hash) return { ok: false, reason: 'proof-hash' };
    proof.push(hash);
  }
  if (oldSize === 0 && proof.length > 0) return { ok: false, reason: 'proof-for-empty-tree' };
  const checkpoint = body.slice(blank + 2);
  if (checkpointNoteSize(checkpoint) === undefined) return { ok: false, reason: 'checkpoint' };
  return { ok: true, request: { oldSize, proof, checkpoint } };
}

/** The 409 body: the latest cosigned size and a newline. */
export function formatSizeConflict(size: number): string {
  checkCount(size, 'a tree size');
  return `${size}\n`;
}

/** The size in a 409 body, or undefined unless it is exactly a decimal and a newline. */
export const parseSizeConflict = (body: string): number | undefined => (body.endsWith('\n') ? parseDecimal(body.slice(0, -1)) : undefined);

/**
 * The signature lines of a 200 body, or why not: one or more note signature lines, each starting
 * with `—` and ending in a newline. Which are cosignatures of trusted witnesses is for the
 * caller (append them to the checkpoint and openNote, or verifyCosignature each).
 */
export function parseCosignatureResponse(body: string): { readonly ok: true; readonly signatures: readonly NoteSignature[] } | Refused<'malformed' | 'too-many-signatures'> {
  if (!body.endsWith('\n') || body === '\n') return { ok: false, reason: 'malformed' };
  const lines = body.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return { ok: false, reason: 'too-many-signatures' };
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const signature = parseSignatureLine(line);
    if (!signature) return { ok: false, reason: 'malformed' };
    signatures.push(signature);
  }
  return { ok: true, signatures };
}
