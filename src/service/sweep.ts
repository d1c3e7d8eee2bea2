/**
 * The sweep, called every minute on Node and from the cron trigger on Workers: records
 * `expired` for prescriptions past their validity and `claim_expired` for lapsed claims, and
 * drops replay records and attempt counters that can no longer matter; it seals the terms that
 * a database written by an earlier version holds in clear, and packs its rows. Ordo's events are
 * never dated before their bound: `at` is now, and now is past the bound by construction.
 */
import type { Deps } from '../deps.js';
import { WINDOW_MS } from './attempts.js';
import { VersionConflict } from './commit.js';
import { sealClearTerms } from './sealed-terms.js';
import { applyStep } from './step.js';

export type SweepResult = { expired: number; claimsEnded: number; tokensPurged: number; termsSealed: number; rowsPacked: number };

export async function sweep(deps: Deps, batch = 500): Promise<SweepResult> {
  const result: SweepResult = { expired: 0, claimsEnded: 0, tokensPurged: 0, termsSealed: 0, rowsPacked: 0 };
  const now = deps.clock();
  for (const row of await deps.store.listDue(now, batch)) {
    try {
      const step = now >= row.expiresAt ? ({ type: 'expire' } as const) : ({ type: 'lapse' } as const);
      const { recorded } = await applyStep(deps, row, step);
      if (recorded.length) result[step.type === 'expire' ? 'expired' : 'claimsEnded']++;
    } catch (err) {
      // Someone acted on it meanwhile (renewed, dispensed): their write stands, the next sweep looks again.
      if (!(err instanceof VersionConflict)) throw err;
    }
  }
  result.tokensPurged = await deps.store.purgeTokens(now);
  // Rows of a database written before the terms were sealed: `batch` more each run, then none.
  result.termsSealed = await sealClearTerms(deps, batch);
  // And rows written before packing (design § Storage), `batch` prescriptions a run.
  result.rowsPacked = await deps.store.packOldRows(batch);
  // The sliding window reads this window and the previous one: older counters are dead.
  await deps.store.purgeAttempts(Math.floor(now / WINDOW_MS) - 1);
  return result;
}
