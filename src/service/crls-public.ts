/**
 * The revocation lists Ordo keeps, published: an evidence bundle carries those in force at its
 * export, so that a verifier years later can tell whether a certified key was revoked when it signed.
 */
import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';

/** The DER of the newest list kept for `ca` (by thisUpdate); not_found when Ordo keeps none. */
export async function publicCrl(deps: Deps, ca: string): Promise<Uint8Array> {
  const kept = await deps.store.getCrls([ca]);
  const newest = kept.filter((c) => c.ca === ca).sort((a, b) => Date.parse(b.thisUpdate) - Date.parse(a.thisUpdate))[0];
  if (!newest) throw new OrdoError('not_found', 'Ordo keeps no revocation list of this CA.');
  return newest.der;
}
