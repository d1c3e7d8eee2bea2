/**
 * A prescription's per-item terms (quantity, total, pace, substitutable) as stored: sealed like its documents
 * (`ordo:doc` = `terms`, index 0), so that a copy of the database shows how many items there are
 * and how much of each was dispensed, never a pace or anything that marks a kind of medicine.
 * The text sealed has the same length for any terms of the same number of items (every number
 * in a fixed width), so the ciphertext's length tells nothing either.
 *
 * Databases written before held the terms in clear (a JSON array): they still read, and the
 * sweep seals them (`sealClearTerms`); a code rotation seals them too.
 */
import { open, seal } from '../crypto/seal.js';
import type { ItemTerms } from '../domain/accounting.js';
import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';
import type { PrescriptionRow } from '../store/types.js';
import { contentKeyOf } from './code-access.js';

/** Old rows: the terms in clear, as JSON. */
export const isClearTerms = (stored: string) => stored.startsWith('[');

/**
 * `{"q":     2,"t":      12,"d":  30,"s":1}`: every number in a fixed width, wider than the
 * document allows (quantity ≤ 1000, total ≤ 13000, supplyDays ≤ 366).
 */
export function termsText(terms: ItemTerms[]): string {
  const w = (n: number | null, width: number) => String(n ?? 'null').padStart(width);
  return `[${terms.map((t) => `{"q":${w(t.quantity, 6)},"t":${w(t.total, 8)},"d":${w(t.supplyDays, 4)},"s":${t.substitutable ? 1 : 0}}`).join(',')}]`;
}

const parseText = (text: string): ItemTerms[] =>
  (JSON.parse(text) as { q: number; t: number; d: number | null; s: 0 | 1 }[]).map((x) => ({ quantity: x.q, total: x.t, supplyDays: x.d, substitutable: x.s === 1 }));

/** The terms sealed under `key` (the prescription's content key at its current code version). */
export const sealTermsWith = (deps: Deps, key: Uint8Array, rx: string, terms: ItemTerms[]) => seal(deps.crypto, key, termsText(terms), { kid: deps.keys.tokenKey.id, rx, idx: 0, doc: 'terms' });

/** Opened terms of the rows seen last, by id and sealed text (a new text, a new entry). */
const opened = new Map<string, ItemTerms[]>();
const OPENED_KEPT = 10_000;

/** The terms of a stored prescription; 409 `record_unreadable` when they do not open. */
export async function termsOf(deps: Deps, row: Pick<PrescriptionRow, 'id' | 'codeVersion' | 'tokenKeyId' | 'terms'>): Promise<ItemTerms[]> {
  if (isClearTerms(row.terms)) return JSON.parse(row.terms) as ItemTerms[];
  const name = `${row.id} ${row.terms}`;
  const kept = opened.get(name);
  if (kept) return kept;
  let terms: ItemTerms[];
  try {
    terms = parseText(await open(deps.crypto, await contentKeyOf(deps, row), row.terms, { kid: row.tokenKeyId, rx: row.id, idx: 0, doc: 'terms' }));
  } catch {
    deps.log({ level: 'error', msg: 'sealed terms do not open' });
    throw new OrdoError('record_unreadable', "This prescription's stored terms cannot be opened: do not dispense it; the prescriber can issue it again.");
  }
  if (opened.size >= OPENED_KEPT) opened.delete(opened.keys().next().value!);
  opened.set(name, terms);
  return terms;
}

/** The terms as they will be stored under code version `n` (sealed; old clear terms sealed now). */
export async function termsResealed(deps: Deps, row: PrescriptionRow, n: number): Promise<string> {
  return sealTermsWith(deps, await contentKeyOf(deps, row, n), row.id, await termsOf(deps, row));
}

/** Seals up to `limit` old rows' clear terms; returns how many. The sweep calls it. */
export async function sealClearTerms(deps: Deps, limit: number): Promise<number> {
  let sealed = 0;
  for (const row of await deps.store.clearTerms(limit)) {
    if (await deps.store.sealTerms(row.id, row.terms, await termsResealed(deps, row, row.codeVersion))) sealed++;
  }
  return sealed;
}
