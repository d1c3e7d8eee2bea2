/**
 * A prescription's row as the state machine sees it, and back, and the answers that derive
 * from it.
 */
import { itemDue, nextDueAt, remainingOf, type ItemProgress, type ItemTerms } from '../domain/accounting.js';
import { OrdoError } from '../domain/errors.js';
import { isOpen, type RxState } from '../domain/lifecycle.js';
import type { Deps } from '../deps.js';
import type { PrescriptionRow, PrescriptionState } from '../store/types.js';
import type { Caller } from './caller.js';
import { termsOf } from './sealed-terms.js';

export const progressOf = (row: PrescriptionRow): ItemProgress[] => JSON.parse(row.progress) as ItemProgress[];

/** The row as the state machine sees it; `terms` as opened (src/service/sealed-terms.ts), or null when the step needs none. */
export function stateOf(row: PrescriptionRow, terms: ItemTerms[] | null): RxState {
  const claim = row.claimId === null ? null : { id: row.claimId, pharmacy: row.claimPharmacy!, expiresAt: row.claimExpiresAt!, ttl: row.claimTtl! };
  return { status: row.status, expiresAt: row.expiresAt, terms, progress: progressOf(row), claim, length: row.version + 1 };
}

/** The columns a state writes (the chain's own columns are the commit's). */
export function columnsOf(s: RxState): Pick<PrescriptionState, 'status' | 'progress' | 'claimId' | 'claimPharmacy' | 'claimExpiresAt' | 'claimTtl'> {
  return {
    status: s.status,
    progress: JSON.stringify(s.progress),
    claimId: s.claim?.id ?? null,
    claimPharmacy: s.claim?.pharmacy ?? null,
    claimExpiresAt: s.claim?.expiresAt ?? null,
    claimTtl: s.claim?.ttl ?? null,
  };
}

/**
 * What remains per item, and when something next falls due (null while something is due, or
 * when closed), from the row and its opened terms.
 */
export function accountWith(deps: Deps, row: PrescriptionRow, terms: ItemTerms[]) {
  const progress = progressOf(row);
  const now = deps.clock();
  const open = isOpen(row);
  // Per item, what may be dispensed now and else when: a counter pre-fills and explains each line with it.
  const remaining = remainingOf(terms, progress).map((r) => ({ ...r, ...(open ? itemDue(terms[r.item]!, progress[r.item], now, deps.config.earlyDays) : { dispensableNow: 0, dueAt: null }) }));
  return { remaining, nextDueAt: open ? nextDueAt(terms, progress, now, deps.config.earlyDays) : null };
}

/** `accountWith`, opening the row's terms. */
export async function accountOf(deps: Deps, row: PrescriptionRow) {
  return accountWith(deps, row, await termsOf(deps, row));
}

/** A prescriber's own prescription; anyone else's answers exactly like an unknown one. */
export async function ownPrescription(deps: Deps, caller: Caller, id: string): Promise<PrescriptionRow> {
  const row = await deps.store.getPrescription(id);
  if (!row || row.prescriberId !== caller.actor.id) throw new OrdoError('not_found', 'No such prescription of yours.');
  return row;
}
