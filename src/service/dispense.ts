/**
 * Dispense: the pharmacy's signed dispensing record is verified, counted against what remains
 * and the pace by the state machine, sealed and recorded under the claim. The answer is kept
 * with the record, so a retry of the same record (same `jti`) gets it again.
 */
import { checkDispensedAtWindow, parseDispensation } from '../domain/dispensation.js';
import type { Deps } from '../deps.js';
import { actorOf, type Caller } from './caller.js';
import { contentKeyOf } from './code-access.js';
import { recordUnderClaim, type Dispensed } from './dispensing-record.js';
import { termsOf } from './sealed-terms.js';

export async function dispense(deps: Deps, caller: Caller, claimId: string, jws: string): Promise<{ created: boolean; answer: Dispensed }> {
  return recordUnderClaim(
    deps, caller, claimId, jws, parseDispensation,
    async (row, record, kid) => ({
      step: { type: 'dispense', pharmacy: { ...actorOf(caller), kid }, claim: claimId, lines: record.lines },
      terms: await termsOf(deps, row),
      key: await contentKeyOf(deps, row),
    }),
    (record) => {
      if (record.dispensedAt !== undefined) checkDispensedAtWindow(Date.parse(record.dispensedAt), deps.clock());
    },
  );
}
