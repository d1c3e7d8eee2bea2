/**
 * What a dispense and a correction share: a pharmacy's signed dispensing record sent under a
 * claim. The claim is checked first (unknown 404, `sub` not its prescription 401, another
 * pharmacy's 403), then the record; a retry of the same record (same pharmacy and `jti`: one
 * space and one keyed MAC for dispenses and corrections) is recognised before any state check
 * and gets the first answer, kept with the record; copies sent at once get it too, never a 409.
 * Each caller says how the step is built from the fresh row (`plan`).
 */
import { canonicalJson } from '../crypto/hash.js';
import { keyedMac } from '../crypto/ordo-keys.js';
import { seal } from '../crypto/seal.js';
import type { ItemTerms, RemainingEntry } from '../domain/accounting.js';
import { OrdoError, invalidDocument } from '../domain/errors.js';
import type { PrescriptionStatus } from '../domain/events.js';
import type { Step } from '../domain/lifecycle.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type DispensationRow, type PrescriptionRow } from '../store/types.js';
import type { Caller } from './caller.js';
import { claimOfCaller } from './claims.js';
import { nextIndex, withRetry } from './commit.js';
import { verifyDocument } from './documents.js';
import { accountWith } from './state.js';
import { applyStep, freshRow } from './step.js';
import { answerRetry } from './tokens.js';

export type Dispensed = { status: PrescriptionStatus; remaining: RemainingEntry[]; nextDueAt: string | null; receipt: string };
type Record = { jti: string; prescription: string; claim: string };
/** The step for this record on the fresh row, the terms it is counted on and the key that seals it. */
export type Plan<R> = (row: PrescriptionRow, record: R, kid: string) => Promise<{ step: Step; terms: ItemTerms[]; key: Uint8Array }>;

export async function recordUnderClaim<R extends Record>(deps: Deps, caller: Caller, claimId: string, jws: string, parse: (payload: unknown) => R, plan: Plan<R>, checked: (record: R) => void = () => {}): Promise<{ created: boolean; answer: Dispensed }> {
  const { prescriptionId } = await claimOfCaller(deps, caller, claimId);
  const doc = await verifyDocument(deps, jws, 'ordo-dispense+jwt', caller.actor.id);
  const record = parse(doc.payload);
  const mac = await keyedMac(deps.keys.tokenKey, 'dispense', canonicalJson(doc.payload));
  const retry = async (existing: DispensationRow) => ({
    created: false,
    answer: await answerRetry(deps, caller, existing.mac, mac, 'Another dispensing record was already recorded under this jti: use a new jti.', async () => ({
      ...(JSON.parse(existing.answer) as Omit<Dispensed, 'receipt'>),
      receipt: (await deps.store.getEvent(existing.prescriptionId, existing.idx))!.receipt,
    })),
  });
  const recorded = () => deps.store.getDispensation(caller.actor.id, record.jti);

  // A retry is recognised before any state check.
  const existing = await recorded();
  if (existing) return retry(existing);
  if (record.prescription !== prescriptionId) throw invalidDocument('The record names another prescription than this claim.');
  if (record.claim !== claimId) throw invalidDocument('The record names another claim than the one in the path.');
  checked(record);

  try {
    return await withRetry(async () => {
      const row = await freshRow(deps, prescriptionId);
      const { step, terms, key } = await plan(row, record, doc.kid);
      const sealed = await seal(deps.crypto, key, jws, { kid: deps.keys.tokenKey.id, rx: row.id, idx: nextIndex(row), doc: 'dispense' });
      try {
        const r = await applyStep(deps, row, step, {
          caller,
          document: { jws, stored: sealed },
          dispensation: (after) => ({ pharmacyId: caller.actor.id, jti: record.jti, prescriptionId, mac, answer: JSON.stringify({ status: after.status, ...accountWith(deps, after, terms) }) }),
        });
        return { created: true, answer: { status: r.row.status, ...accountWith(deps, r.row, terms), receipt: r.recorded[0]!.receipt } };
      } catch (err) {
        // A copy of this very record committed first (sent twice at once), so the state now
        // refuses it (the claim ended, or the record it corrects is no longer in force): the
        // copy answers as a retry, never as a refusal.
        const copy = err instanceof OrdoError ? await recorded() : undefined;
        if (copy) return retry(copy);
        throw err;
      }
    });
  } catch (err) {
    // Both copies committed in the same instant: the loser collides on (pharmacy, jti).
    if (!(err instanceof CommitConflict && err.on === 'dispensation')) throw err;
    return retry((await recorded())!);
  }
}
