/**
 * Per-item accounting: totals, what remains, and the pace of paced items. Pure functions of
 * the prescription's terms, its progress and a time; no I/O.
 *
 * Pace (design): with `supplyDays`, the first delivery may take one `quantity`; after that, what
 * may have been dispensed by time t is quantity × (1 + ⌊max(0, t − first + earlyDays) / supplyDays⌋)
 * (days), capped at the total, where `first` is when some of the item was first dispensed.
 */
import { OrdoError } from './errors.js';

/** What the state machine needs of an item: how much per delivery, in all, its pace, and whether it may be substituted. */
export type ItemTerms = { quantity: number; total: number; supplyDays: number | null; substitutable: boolean };
export type ItemProgress = { dispensed: number; firstAt: number | null };
export type RemainingEntry = { item: number; total: number; dispensed: number; remaining: number; dispensableNow?: number; dueAt?: string | null };
export type DispenseLine = { item: number; quantity: number; substitution?: null | { type: string; reason?: string } };

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

export function remainingOf(terms: ItemTerms[], progress: ItemProgress[]): RemainingEntry[] {
  return terms.map((t, item) => {
    const dispensed = progress[item]?.dispensed ?? 0;
    return { item, total: t.total, dispensed, remaining: t.total - dispensed };
  });
}

/** How much of an item may have been dispensed in all by time t (ms). */
export function allowedBy(terms: ItemTerms, progress: ItemProgress, t: number, earlyDays: number): number {
  if (terms.supplyDays === null) return terms.total;
  if (progress.firstAt === null) return Math.min(terms.quantity, terms.total);
  const periods = Math.floor(Math.max(0, t - progress.firstAt + earlyDays * DAY) / (terms.supplyDays * DAY));
  return Math.min(terms.total, terms.quantity * (1 + periods));
}

/**
 * Earliest instant at which `wanted` more units are allowed, or null if beyond the total.
 * Before any delivery, `first` would be now: the answer is when the extra quantity would be due
 * if the first delivery happened at `now`.
 */
export function dueAt(terms: ItemTerms, progress: ItemProgress, wanted: number, earlyDays: number, now: number): number | null {
  const target = progress.dispensed + wanted;
  if (target > terms.total) return null;
  if (terms.supplyDays === null) return now;
  const first = progress.firstAt ?? now;
  const periods = Math.max(0, Math.ceil(target / terms.quantity) - 1);
  if (periods === 0) return now;
  return Math.max(first + periods * terms.supplyDays * DAY - earlyDays * DAY, first);
}

/** For answers: when something next becomes dispensable, or null if something is now (or nothing is left). */
export function nextDueAt(terms: ItemTerms[], progress: ItemProgress[], now: number, earlyDays: number): string | null {
  let earliest: number | null = null;
  for (const [i, t] of terms.entries()) {
    const p = progress[i] ?? { dispensed: 0, firstAt: null };
    if (p.dispensed >= t.total) continue;
    if (allowedBy(t, p, now, earlyDays) > p.dispensed) return null;
    const at = dueAt(t, p, 1, earlyDays, now)!;
    earliest = earliest === null ? at : Math.min(earliest, at);
  }
  return earliest === null ? null : iso(earliest);
}

/**
 * For answers, per item: how much of it may be dispensed now (its pace and what is left), and,
 * when none may now but some is left, the instant the next unit may be (else null).
 */
export function itemDue(terms: ItemTerms, progress: ItemProgress | undefined, now: number, earlyDays: number): { dispensableNow: number; dueAt: string | null } {
  const p = progress ?? { dispensed: 0, firstAt: null };
  const left = terms.total - p.dispensed;
  if (left <= 0) return { dispensableNow: 0, dueAt: null };
  const allowed = Math.min(left, allowedBy(terms, p, now, earlyDays) - p.dispensed);
  return allowed > 0 ? { dispensableNow: allowed, dueAt: null } : { dispensableNow: 0, dueAt: iso(dueAt(terms, p, 1, earlyDays, now)!) };
}

/**
 * Checks dispensing lines at `now` and returns the new progress (inputs untouched). Per line, in
 * order: unknown_item, substitution_forbidden, over_dispense, not_yet_due. Lines for the same
 * item add up. A line of quantity 0 records a reason and changes nothing.
 */
export function applyDispense(terms: ItemTerms[], progress: ItemProgress[], lines: DispenseLine[], now: number, earlyDays: number): ItemProgress[] {
  const next = terms.map((_, i) => ({ ...(progress[i] ?? { dispensed: 0, firstAt: null }) }));
  const wanted = new Map<number, number>();
  for (const line of lines) {
    const t = terms[line.item];
    if (!Number.isInteger(line.item) || line.item < 0 || !t) {
      throw new OrdoError('unknown_item', `Line for item ${line.item}: the prescription has items 0 to ${terms.length - 1}.`, { item: line.item });
    }
    if (line.substitution && !t.substitutable) {
      throw new OrdoError('substitution_forbidden', `Item ${line.item} is marked non-substitutable by the prescriber.`, { item: line.item });
    }
    wanted.set(line.item, (wanted.get(line.item) ?? 0) + line.quantity);
  }
  for (const [item, quantity] of wanted) {
    const t = terms[item]!;
    const p = next[item]!;
    if (p.dispensed + quantity > t.total) {
      throw new OrdoError('over_dispense', `Item ${item}: ${quantity} asked, ${t.total - p.dispensed} left.`, { item, remaining: t.total - p.dispensed });
    }
    if (quantity > 0 && p.dispensed + quantity > allowedBy(t, p, now, earlyDays)) {
      const due = dueAt(t, p, quantity, earlyDays, now)!;
      throw new OrdoError('not_yet_due', `Item ${item}: this quantity is not due before ${iso(due)}.`, { item, nextDueAt: iso(due) });
    }
  }
  for (const [item, quantity] of wanted) {
    if (quantity === 0) continue;
    const p = next[item]!;
    p.dispensed += quantity;
    p.firstAt ??= now;
  }
  return next;
}

export const isComplete = (terms: ItemTerms[], progress: ItemProgress[]) => terms.every((t, i) => (progress[i]?.dispensed ?? 0) >= t.total);

/**
 * A claim's dispense as a recount sees it (design § Correcting a dispensing record): the pharmacy
 * that handed over, when (`at`, epoch ms: the claim's `dispensed` event, which a correction never
 * moves), and its record in force: the index of the event that carries it and its lines.
 */
export type Dispensing = { claim: string; pharmacy: string; at: number; index: number; lines: DispenseLine[] };

/**
 * The records in force after one more: a claim's first record (its `dispensed` event) is added
 * at the end; a correction replaces its claim's record (index and lines), which keeps its place,
 * its pharmacy and its `at`. Inputs untouched.
 */
export function withRecord(records: Dispensing[], r: Dispensing): Dispensing[] {
  if (!records.some((d) => d.claim === r.claim)) return [...records, r];
  return records.map((d) => (d.claim === r.claim ? { ...d, index: r.index, lines: r.lines } : d));
}

/**
 * What was dispensed of each item, recounted from the records in force alone: each is applied in
 * order at its own `at`, with the checks of a dispense (`applyDispense`), so that totals and pace
 * hold for the corrected history as they did for the one recorded. Throws as `applyDispense`.
 */
export function recount(terms: ItemTerms[], records: Pick<Dispensing, 'at' | 'lines'>[], earlyDays: number): ItemProgress[] {
  const none: ItemProgress[] = terms.map(() => ({ dispensed: 0, firstAt: null }));
  return records.reduce((progress, r) => applyDispense(terms, progress, r.lines, r.at, earlyDays), none);
}
