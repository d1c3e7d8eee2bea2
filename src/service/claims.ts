import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';
import type { Caller } from './caller.js';

/**
 * The claim named in a path, checked against the caller: unknown → 404; opened by another
 * pharmacy → 403; the request token's `sub` must name its prescription → 401.
 */
export async function claimOfCaller(deps: Deps, caller: Caller, claimId: string): Promise<{ prescriptionId: string }> {
  const claim = await deps.store.getClaim(claimId);
  if (!claim) throw new OrdoError('not_found', 'No such claim.');
  if (caller.sub !== claim.prescriptionId) throw new OrdoError('unauthenticated', "Request token: sub must be the claimed prescription's id.");
  if (claim.pharmacyId !== caller.actor.id) throw new OrdoError('forbidden', 'This claim belongs to another pharmacy.');
  return claim;
}
