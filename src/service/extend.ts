/**
 * Extend: the holder holds its claim longer without the code (goods on order). It is the claim
 * step of the state machine, by the holder with a `ttl` asked (src/domain/lifecycle.ts), so the
 * renewal rules are those of claiming again with a longer `ttl`: renewed at once, as a `claimed`
 * event for the same claim, when the new expiry is at least ORDO_CLAIM_TTL later (or less than
 * half of the claim is left); otherwise nothing changes. Refusals are those of release.
 */
import { OrdoError } from '../domain/errors.js';
import { isoAt } from '../domain/events.js';
import { isOpen } from '../domain/lifecycle.js';
import type { Deps } from '../deps.js';
import { actorOf, type Caller } from './caller.js';
import { claimOfCaller } from './claims.js';
import { withRetry } from './commit.js';
import { applyStep, freshRow } from './step.js';
import { recordToken } from './tokens.js';
import { lastReceipt } from './trace.js';

export async function extendClaim(deps: Deps, caller: Caller, claimId: string, ttl: number) {
  if (ttl > deps.config.claimMaxTtl) throw new OrdoError('bad_request', `ttl: at most ${deps.config.claimMaxTtl} seconds.`);
  const { prescriptionId } = await claimOfCaller(deps, caller, claimId);
  return withRetry(async () => {
    const row = await freshRow(deps, prescriptionId);
    // Ended (released, dispensed, lapsed and taken by another pharmacy): never opens a new claim.
    // Closed prescriptions are refused by the state machine, with their reason.
    if (row.claimId !== claimId && isOpen(row)) throw new OrdoError('claim_ended', 'This claim has ended: claim the prescription again.');
    // Past this point the claim is open and the caller's (claimOfCaller), or the step refuses: `newClaimId` is never used.
    const r = await applyStep(deps, row, { type: 'claim', pharmacy: actorOf(caller), ttl, ttlAsked: true, newClaimId: claimId }, { caller });
    if (r.recorded.length === 0) {
      // Not a meaningful extension: the same claim, nothing recorded but the token.
      await recordToken(deps, caller.use);
      return { claim: { id: claimId, expiresAt: isoAt(row.claimExpiresAt!) }, status: row.status, receipt: lastReceipt(await deps.store.getEvents(row.id), 'claimed', claimId)! };
    }
    return { claim: { id: claimId, expiresAt: isoAt(r.row.claimExpiresAt!) }, status: r.row.status, receipt: r.recorded.at(-1)!.receipt };
  });
}
