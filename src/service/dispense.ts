/**
 * Dispense: the pharmacy's signed dispensing record is verified, counted against what remains
 * and the pace by the state machine, sealed and recorded under the claim. The answer is kept
 * with the record, so a retry of the same record (same `jti`) gets it again.
 */
import { canonicalJson } from '../crypto/hash.js';
import { keyedMac } from '../crypto/ordo-keys.js';
import { seal } from '../crypto/seal.js';
import type { RemainingEntry } from '../domain/accounting.js';
import { checkDispensedAtWindow, parseDispensation } from '../domain/dispensation.js';
import { OrdoError, invalidDocument } from '../domain/errors.js';
import type { PrescriptionStatus } from '../domain/events.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type DispensationRow } from '../store/types.js';
import { actorOf, type Caller } from './caller.js';
import { contentKeyOf } from './code-access.js';
import { nextIndex, withRetry } from './commit.js';
import { verifyDocument } from './documents.js';
import { claimOfCaller } from './claims.js';
import { termsOf } from './sealed-terms.js';
import { accountWith } from './state.js';
import { applyStep, freshRow } from './step.js';
import { answerRetry } from './tokens.js';

type Dispensed = { status: PrescriptionStatus; remaining: RemainingEntry[]; nextDueAt: string | null; receipt: string };

export async function dispense(deps: Deps, caller: Caller, claimId: string, jws: string): Promise<{ created: boolean; answer: Dispensed }> {
  const { prescriptionId } = await claimOfCaller(deps, caller, claimId);
  const doc = await verifyDocument(deps, jws, 'ordo-dispense+jwt', caller.actor.id);
  const record = parseDispensation(doc.payload);
  const mac = await keyedMac(deps.keys.tokenKey, 'dispense', canonicalJson(doc.payload));
  const retry = async (existing: DispensationRow) => ({
    created: false,
    answer: await answerRetry(deps, caller, existing.mac, mac, 'Another dispensing record was already recorded under this jti: use a new jti.', async () => ({
      ...(JSON.parse(existing.answer) as Omit<Dispensed, 'receipt'>),
      receipt: (await deps.store.getEvent(existing.prescriptionId, existing.idx))!.receipt,
    })),
  });
  const recorded = () => deps.store.getDispensation(caller.actor.id, record.jti);

  // A retry is recognised before any claim or state check.
  const existing = await recorded();
  if (existing) return retry(existing);
  if (record.prescription !== prescriptionId) throw invalidDocument('The record names another prescription than this claim.');
  if (record.claim !== claimId) throw invalidDocument('The record names another claim than the one in the path.');
  if (record.dispensedAt !== undefined) checkDispensedAtWindow(Date.parse(record.dispensedAt), deps.clock());

  try {
    return await withRetry(async () => {
      const row = await freshRow(deps, prescriptionId);
      const sealed = await seal(deps.crypto, await contentKeyOf(deps, row), jws, { kid: deps.keys.tokenKey.id, rx: row.id, idx: nextIndex(row), doc: 'dispense' });
      try {
        const terms = await termsOf(deps, row);
        const r = await applyStep(deps, row, { type: 'dispense', pharmacy: { ...actorOf(caller), kid: doc.kid }, claim: claimId, lines: record.lines }, {
          caller,
          document: { jws, stored: sealed },
          dispensation: (after) => ({ pharmacyId: caller.actor.id, jti: record.jti, prescriptionId, mac, answer: JSON.stringify({ status: after.status, ...accountWith(deps, after, terms) }) }),
        });
        return { created: true, answer: { status: r.row.status, ...accountWith(deps, r.row, terms), receipt: r.recorded[0]!.receipt } };
      } catch (err) {
        // A copy of this very record committed first (sent twice at once), so the state now
        // refuses it (the claim ended): the copy answers as a retry, never as a refusal.
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
