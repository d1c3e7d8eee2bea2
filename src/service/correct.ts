/**
 * Correct: the pharmacy that dispensed under a claim replaces its dispensing record, within 24
 * hours, by a new signed record naming the one it corrects (design § Correcting a dispensing
 * record). Nothing is erased: the correction is one more event, a `dispense_corrected`, and what
 * was dispensed is recounted by the state machine from the records in force. Like a dispense,
 * the answer is kept with the record, so a retry of the same record (same `jti`) gets it again.
 */
import { canonicalJson } from '../crypto/hash.js';
import { keyedMac } from '../crypto/ordo-keys.js';
import { seal } from '../crypto/seal.js';
import type { RemainingEntry } from '../domain/accounting.js';
import { checkDispensedAtWindow, parseCorrection } from '../domain/dispensation.js';
import { OrdoError, invalidDocument } from '../domain/errors.js';
import type { PrescriptionStatus } from '../domain/events.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type DispensationRow } from '../store/types.js';
import { actorOf, type Caller } from './caller.js';
import { contentKeyOf } from './code-access.js';
import { nextIndex, withRetry } from './commit.js';
import { claimOfCaller } from './claims.js';
import { verifyDocument } from './documents.js';
import { termsOf } from './sealed-terms.js';
import { accountWith } from './state.js';
import { applyStep, freshRow } from './step.js';
import { answerRetry } from './tokens.js';
import { recordsInForce } from './trace.js';

type Corrected = { status: PrescriptionStatus; remaining: RemainingEntry[]; nextDueAt: string | null; receipt: string };

export async function correct(deps: Deps, caller: Caller, claimId: string, jws: string): Promise<{ created: boolean; answer: Corrected }> {
  // As for a dispense: the claim first (unknown 404, `sub` not its prescription 401, another pharmacy's 403), then the record.
  const { prescriptionId } = await claimOfCaller(deps, caller, claimId);
  const doc = await verifyDocument(deps, jws, 'ordo-dispense+jwt', caller.actor.id);
  const record = parseCorrection(doc.payload);
  // One (pharmacy, jti) space and one MAC for every dispensing record, a dispense's or a correction's.
  const mac = await keyedMac(deps.keys.tokenKey, 'dispense', canonicalJson(doc.payload));
  const retry = async (existing: DispensationRow) => ({
    created: false,
    answer: await answerRetry(deps, caller, existing.mac, mac, 'Another dispensing record was already recorded under this jti: use a new jti.', async () => ({
      ...(JSON.parse(existing.answer) as Omit<Corrected, 'receipt'>),
      receipt: (await deps.store.getEvent(existing.prescriptionId, existing.idx))!.receipt,
    })),
  });
  const recorded = () => deps.store.getDispensation(caller.actor.id, record.jti);

  // A retry is recognised before any claim or state check.
  const existing = await recorded();
  if (existing) return retry(existing);
  if (record.prescription !== prescriptionId) throw invalidDocument('The record names another prescription than this claim.');
  if (record.claim !== claimId) throw invalidDocument('The record names another claim than the one in the path.');

  try {
    return await withRetry(async () => {
      const row = await freshRow(deps, prescriptionId);
      const key = await contentKeyOf(deps, row);
      const [terms, dispensings] = await Promise.all([termsOf(deps, row), recordsInForce(deps, row, key, await deps.store.getEvents(row.id))]);
      // The goods were handed over at the dispense being corrected: `dispensedAt` is judged from then.
      const original = dispensings.find((d) => d.claim === claimId);
      if (record.dispensedAt !== undefined) checkDispensedAtWindow(Date.parse(record.dispensedAt), deps.clock(), original?.at);
      const sealed = await seal(deps.crypto, key, jws, { kid: deps.keys.tokenKey.id, rx: row.id, idx: nextIndex(row), doc: 'dispense' });
      try {
        const step = { type: 'correct' as const, pharmacy: { ...actorOf(caller), kid: doc.kid }, claim: claimId, corrects: record.corrects, lines: record.lines, terms, dispensings };
        const r = await applyStep(deps, row, step, {
          caller,
          document: { jws, stored: sealed },
          dispensation: (after) => ({ pharmacyId: caller.actor.id, jti: record.jti, prescriptionId, mac, answer: JSON.stringify({ status: after.status, ...accountWith(deps, after, terms) }) }),
        });
        return { created: true, answer: { status: r.row.status, ...accountWith(deps, r.row, terms), receipt: r.recorded[0]!.receipt } };
      } catch (err) {
        // A copy of this very record committed first (sent twice at once), so the chain now
        // refuses it (it no longer names the record in force): the copy answers as a retry.
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
