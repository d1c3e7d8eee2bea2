/**
 * The decision of a minimal C2SP tlog-witness (c2sp.org/tlog-witness, § add-checkpoint) for one
 * log: given what it last cosigned and a request body, the answer, and the state to persist
 * before sending it. No HTTP, no file: `ordo log witness` (src/cli/commands/log.ts) serialises
 * the requests, persists `state`, then answers.
 *
 * The checks run in the spec's order: 400 for a body that does not parse (nothing else can be
 * read from it), 404 for an origin other than the log's, 403 unless the log's key signed it (a
 * signature line of that key that fails is a 403 too; lines of other keys are ignored), 400 for
 * an old size beyond the checkpoint's, 409 (with its size, as text/x.tlog.size) for an old size
 * that is not the one it last cosigned, 422 for a size-0 checkpoint whose root is not the empty
 * tree's or a consistency proof that does not verify, 409 for the same size with another root.
 * Whatever passes is cosigned: the witness never cosigns two trees that are not one append-only
 * history, and never goes back to a smaller size.
 */
import type { CryptoSuite } from '../crypto/suite/types.js';
import { formatHash, parseCheckpoint, parseHash, type Checkpoint } from './checkpoint.js';
import { cosign } from './cosignature.js';
import { EMPTY_ROOT, verifyConsistency, type Hasher } from './merkle.js';
import { bytesEqual, openNote, parseNote, type NoteSigner, type NoteVerifier } from './note.js';
import { formatSizeConflict, parseAddCheckpoint, TLOG_SIZE_CONTENT_TYPE, WITNESS_STATUS, type WitnessStatus } from './witness-protocol.js';

/** What the witness last cosigned for its log; undefined before the first cosignature. */
export type WitnessState = { readonly origin: string; readonly size: number; readonly root: Uint8Array };

/** The witness: its log's key (type 0x01, named by the log's origin) and its own cosigner (type 0x04). */
export type Witness = { readonly suite: CryptoSuite; readonly log: NoteVerifier; readonly signer: NoteSigner };

/** Why a request was refused, as a stable code beside the status. */
export type WitnessRefusal =
  | 'bad-request' | 'unknown-origin' | 'untrusted-signature' | 'old-size-beyond' | 'stale-old-size'
  | 'empty-tree-root' | 'inconsistent' | 'fork';

export type WitnessVerdict =
  | { readonly ok: true; readonly status: 200; readonly body: string; readonly contentType: string; readonly state: WitnessState; readonly checkpoint: Checkpoint }
  | { readonly ok: false; readonly status: Exclude<WitnessStatus, 200>; readonly reason: WitnessRefusal; readonly body: string; readonly contentType: string };

const TEXT = 'text/plain; charset=utf-8';
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function refuse(status: Exclude<WitnessStatus, 200>, reason: WitnessRefusal, message: string, contentType = TEXT): WitnessVerdict {
  return { ok: false, status, reason, body: contentType === TEXT ? `${message}\n` : message, contentType };
}

function decode(body: string | Uint8Array): string | undefined {
  if (typeof body === 'string') return body;
  try {
    return decoder.decode(body);
  } catch {
    return undefined;
  }
}

/**
 * The answer to `POST /add-checkpoint` with `body`, for a witness that last cosigned `state`, at
 * `nowSeconds` (the cosignature's timestamp, > 0). A 200 carries the state to persist BEFORE the
 * answer is sent, and the cosignature line as its body. Never throws for a request, whatever it
 * holds; throws only for a witness misconfigured (a signer that is not of type 0x04).
 */
export async function addCheckpoint(w: Witness, state: WitnessState | undefined, body: string | Uint8Array, nowSeconds: number): Promise<WitnessVerdict> {
  const text = decode(body);
  const parsed = text === undefined ? undefined : parseAddCheckpoint(text);
  if (!parsed?.ok) return refuse(WITNESS_STATUS.badRequest, 'bad-request', `not an add-checkpoint body (${parsed?.reason ?? 'not UTF-8'})`);
  const { oldSize, proof, checkpoint: note } = parsed.request;

  // parseAddCheckpoint has checked that the note's text is a checkpoint.
  const noteText = (parseNote(note) as { text: string }).text;
  const c = (parseCheckpoint(noteText) as { checkpoint: Checkpoint }).checkpoint;
  if (c.origin !== w.log.name) return refuse(WITNESS_STATUS.unknownOrigin, 'unknown-origin', `unknown log ${c.origin}: this witness follows ${w.log.name}`);
  const opened = await openNote(w.suite, note, [w.log]);
  if (!opened.ok) return refuse(WITNESS_STATUS.untrustedSignature, 'untrusted-signature', `no valid signature of ${w.log.name} (${opened.reason})`);

  if (oldSize > c.size) return refuse(WITNESS_STATUS.badRequest, 'old-size-beyond', `old size ${oldSize} is beyond the checkpoint's size ${c.size}`);
  const latest = state?.size ?? 0;
  if (oldSize !== latest) return refuse(WITNESS_STATUS.conflict, 'stale-old-size', formatSizeConflict(latest), TLOG_SIZE_CONTENT_TYPE);

  const h: Hasher = (data) => w.suite.sha256(data);
  if (c.size === 0 && !bytesEqual(c.root, EMPTY_ROOT(h))) return refuse(WITNESS_STATUS.inconsistent, 'empty-tree-root', 'a checkpoint of size 0 has the root of the empty tree');
  if (state && oldSize === c.size && !bytesEqual(state.root, c.root)) {
    return refuse(WITNESS_STATUS.conflict, 'fork', `size ${c.size} was cosigned with root ${formatHash(state.root)}, not ${formatHash(c.root)}: refusing to cosign a fork`);
  }
  // Before any cosignature there is nothing to be consistent with (trust on first use).
  if (state && !verifyConsistency(h, oldSize, c.size, state.root, c.root, [...proof])) {
    return refuse(WITNESS_STATUS.inconsistent, 'inconsistent', `the consistency proof from size ${oldSize} to ${c.size} does not verify`);
  }
  const line = await cosign(w.suite, w.signer, noteText, nowSeconds);
  return { ok: true, status: WITNESS_STATUS.cosigned, body: line, contentType: TEXT, state: { origin: c.origin, size: c.size, root: c.root }, checkpoint: c };
}

/** The state file's JSON: origin, size, root (standard base64). */
export const formatWitnessState = (s: WitnessState): string =>
  `${JSON.stringify({ origin: s.origin, size: s.size, root: formatHash(s.root) }, null, 2)}\n`;

/** The state a state file holds, or undefined unless it is exactly what formatWitnessState writes. */
export function parseWitnessState(json: string): WitnessState | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  const o = v as { origin?: unknown; size?: unknown; root?: unknown };
  const root = typeof o?.root === 'string' ? parseHash(o.root) : undefined;
  if (typeof o?.origin !== 'string' || !Number.isSafeInteger(o.size) || (o.size as number) < 0 || !root) return undefined;
  return { origin: o.origin, size: o.size as number, root };
}
