/**
 * Reading a prescription's clear state (terms, progress) and applying Ordo's own time-bound
 * transitions on access: a prescription past its validity is recorded `expired` before anyone
 * is answered about it.
 */
import { nextDueAt, remainingOf, type ItemProgress, type ItemTerms } from '../domain/accounting.js';
import type { Deps } from '../deps.js';
import type { PrescriptionRow } from '../store/types.js';
import { commitTransition, withRetry } from './transition.js';

export const termsOf = (row: PrescriptionRow): ItemTerms[] => JSON.parse(row.terms) as ItemTerms[];
export const progressOf = (row: PrescriptionRow): ItemProgress[] => JSON.parse(row.progress) as ItemProgress[];

export function accountOf(deps: Deps, row: PrescriptionRow) {
  const terms = termsOf(row);
  const progress = progressOf(row);
  return { remaining: remainingOf(terms, progress), nextDueAt: row.status === 'active' || row.status === 'claimed' ? nextDueAt(terms, progress, deps.clock(), deps.config.earlyDays) : null };
}

export const isOpen = (row: PrescriptionRow) => row.status === 'active' || row.status === 'claimed';

/** Records `expired` (by Ordo, at or after the end of validUntil) if it is due. */
export async function expireIfDue(deps: Deps, row: PrescriptionRow): Promise<PrescriptionRow> {
  if (!isOpen(row) || deps.clock() < row.expiresAt) return row;
  return withRetry(async () => {
    const fresh = (await deps.store.getPrescription(row.id))!;
    if (!isOpen(fresh) || deps.clock() < fresh.expiresAt) return fresh;
    const { row: next } = await commitTransition(deps, {
      from: fresh,
      set: { status: 'expired', claimId: null, claimPharmacy: null, claimExpiresAt: null, claimTtl: null },
      events: [{ type: 'expired', actor: 'ordo', claim: fresh.claimId, proof: null }],
    });
    return next;
  });
}
