/**
 * Reaching a prescription by its code: the failed-attempt limit, parsing, and constant-time
 * verification that answers an unknown id and a wrong code alike. Also what derives from the
 * code on the server side: the current code of a prescription and its content key.
 */
import { contentKey } from '../crypto/seal.js';
import { timingSafeEqual } from '../crypto/compare.js';
import { computeV, decodeId, formatCode, parseCode } from '../domain/code.js';
import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';
import type { PrescriptionRow } from '../store/types.js';
import { openAttempt, type Attempter } from './attempts.js';

/** An n no prescription reaches, for the dummy HMAC of an unknown id. */
const DUMMY_N = 0xffffffff;

export type CodeView = { code: string; payload: string };

/** The id's 10 raw bytes; ids come from the database or a validated route parameter. */
export function idBytes(id: string): Uint8Array {
  const bytes = decodeId(id);
  if (!bytes) throw new Error(`not a prescription id: ${id}`);
  return bytes;
}

export async function currentV(deps: Deps, row: Pick<PrescriptionRow, 'id' | 'codeVersion'>, n = row.codeVersion): Promise<Uint8Array> {
  return computeV(deps.keys.tokenKey.hmacKey, idBytes(row.id), n);
}

export async function codeView(deps: Deps, row: Pick<PrescriptionRow, 'id' | 'codeVersion'>): Promise<CodeView> {
  const v = await currentV(deps, row);
  const f = formatCode(new Uint8Array([...idBytes(row.id), ...v]));
  return { code: f.grouped, payload: f.payload };
}

/** The key that seals this prescription's content at code version n. */
export async function contentKeyOf(deps: Deps, row: Pick<PrescriptionRow, 'id' | 'codeVersion'>, n = row.codeVersion): Promise<Uint8Array> {
  return contentKey(deps.crypto, await currentV(deps, row, n), idBytes(row.id));
}

/**
 * Finds the prescription a code designates, or throws: 400 `bad_request` (not a code),
 * 400 `bad_check` (mistyped: not counted, a guess never is one), 404 `not_found` (unknown or
 * wrong: counted against `who`), 429 `too_many_attempts` (src/service/attempts.ts).
 */
export async function resolveCode(deps: Deps, input: string, who: Attempter): Promise<{ row: PrescriptionRow; v: Uint8Array }> {
  const parsed = parseCode(input);
  if (!parsed.ok) {
    if (parsed.reason === 'bad_check') throw new OrdoError('bad_check', 'This code was mistyped: one of its characters is wrong. Check it against the printed code, or scan the DataMatrix.');
    throw new OrdoError('bad_request', 'This is not a prescription code: a code has 40 characters and a check character, or is scanned from the DataMatrix.');
  }
  const attempt = await openAttempt(deps, who);
  const row = await deps.store.getPrescription(parsed.idText);
  const expected = await computeV(deps.keys.tokenKey.hmacKey, parsed.id, row?.codeVersion ?? DUMMY_N);
  if (!timingSafeEqual(expected, parsed.v) || !row) {
    await attempt.failed();
    throw new OrdoError('not_found', 'No prescription has this code.');
  }
  return { row, v: expected };
}
