/**
 * Rules shared by the redemption steps: which states refuse a step, and the answers they give.
 */
import { OrdoError } from '../domain/errors.js';
import { isoAt } from '../domain/events.js';
import type { Deps } from '../deps.js';
import type { EventRow, PrescriptionRow } from '../store/types.js';
import { contentKeyOf } from './code-access.js';
import { openCancelReason } from './trace.js';

/** 410 for a prescription that can no longer be claimed or dispensed, saying why. */
export async function refuseIfClosed(deps: Deps, row: PrescriptionRow, events?: EventRow[]): Promise<void> {
  if (row.status === 'completed') throw new OrdoError('already_completed', 'Everything on this prescription has been dispensed.');
  if (row.status === 'expired') throw new OrdoError('expired', `This prescription expired at the end of ${row.validUntil}.`);
  if (row.status === 'cancelled') {
    const reason = await openCancelReason(row, await contentKeyOf(deps, row), events ?? (await deps.store.getEvents(row.id)));
    throw new OrdoError('cancelled', 'The prescriber cancelled this prescription: do not dispense it.', { reason: reason ?? '' });
  }
}

export function claimedElsewhere(row: PrescriptionRow): OrdoError {
  return new OrdoError('claimed_elsewhere', 'Another pharmacy holds this prescription for now.', { claimedUntil: isoAt(row.claimExpiresAt!) });
}

/** The receipt of the latest event of a given type (for idempotent answers). */
export function lastReceipt(events: EventRow[], type: EventRow['type'], claim?: string | null): string | undefined {
  return events.findLast((e) => e.type === type && (claim === undefined || e.claim === claim))?.receipt;
}
