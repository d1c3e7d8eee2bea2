/** Release: the holding pharmacy gives its claim up without dispensing. Releasing again answers the same. */
import { OrdoError } from '../domain/errors.js';
import { isOpen } from '../domain/lifecycle.js';
import type { Deps } from '../deps.js';
import { actorOf, type Caller } from './caller.js';
import { claimOfCaller } from './claims.js';
import { withRetry } from './commit.js';
import { applyStep, freshRow } from './step.js';
import { recordToken } from './tokens.js';
import { lastReceipt } from './trace.js';

export async function releaseClaim(deps: Deps, caller: Caller, claimId: string) {
  const { prescriptionId } = await claimOfCaller(deps, caller, claimId);
  return withRetry(async () => {
    const row = await freshRow(deps, prescriptionId);
    // Closed prescriptions are refused by the state machine, with their reason.
    if (row.claimId !== claimId && isOpen(row)) {
      const released = lastReceipt(await deps.store.getEvents(row.id), 'released', claimId);
      if (!released) throw new OrdoError('claim_ended', 'This claim has already ended.');
      await recordToken(deps, caller.use);
      return { status: row.status, receipt: released };
    }
    const r = await applyStep(deps, row, { type: 'release', pharmacy: actorOf(caller), claim: claimId }, { caller });
    return { status: r.row.status, receipt: r.recorded[0]!.receipt };
  });
}
