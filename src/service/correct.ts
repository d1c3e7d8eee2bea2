/**
 * Correct: the pharmacy that dispensed under a claim replaces its dispensing record, within 24
 * hours, by a new signed record naming the one it corrects (design § Correcting a dispensing
 * record). Nothing is erased: the correction is one more event, a `dispense_corrected`, and what
 * was dispensed is recounted by the state machine from the records in force. Like a dispense,
 * the answer is kept with the record, so a retry of the same record (same `jti`) gets it again.
 */
import { checkDispensedAtWindow, parseCorrection } from '../domain/dispensation.js';
import type { Deps } from '../deps.js';
import { actorOf, type Caller } from './caller.js';
import { contentKeyOf } from './code-access.js';
import { recordUnderClaim, type Dispensed } from './dispensing-record.js';
import { termsOf } from './sealed-terms.js';
import { recordsInForce } from './trace.js';

export async function correct(deps: Deps, caller: Caller, claimId: string, jws: string): Promise<{ created: boolean; answer: Dispensed }> {
  return recordUnderClaim(deps, caller, claimId, jws, parseCorrection, async (row, record, kid) => {
    const key = await contentKeyOf(deps, row);
    const [terms, dispensings] = await Promise.all([termsOf(deps, row), recordsInForce(deps, row, key, await deps.store.getEvents(row.id))]);
    // The goods were handed over at the dispense being corrected: `dispensedAt` is judged from then.
    const original = dispensings.find((d) => d.claim === claimId);
    if (record.dispensedAt !== undefined) checkDispensedAtWindow(Date.parse(record.dispensedAt), deps.clock(), original?.at);
    return { key, terms, step: { type: 'correct', pharmacy: { ...actorOf(caller), kid }, claim: claimId, corrects: record.corrects, lines: record.lines, terms, dispensings } };
  });
}
