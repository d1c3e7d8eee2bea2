/**
 * The prescriber's code of a prescription: reprinted as it is, or rotated (a lost or
 * photographed prescription) — a new code version, every sealed record re-sealed under its key
 * in the same write as `code_rotated`, and the old code answering 404 from then on.
 */
import { open, seal, type SealContext } from '../crypto/seal.js';
import { OrdoError } from '../domain/errors.js';
import { sealedDocOf } from '../domain/events.js';
import type { Deps } from '../deps.js';
import type { PrescriptionRow, Reseal } from '../store/types.js';
import { codeAnswer } from './answers.js';
import { actorOf, type Caller } from './caller.js';
import { contentKeyOf } from './code-access.js';
import { withRetry } from './commit.js';
import { ownPrescription } from './state.js';
import { applyStep, expireIfDue } from './step.js';
import { termsResealed } from './sealed-terms.js';
import { recordToken } from './tokens.js';

export type CodeInput = { rotate?: boolean; datamatrix?: 'svg' | 'png' };

export async function prescriptionCode(deps: Deps, caller: Caller, id: string, input: CodeInput) {
  let row = await expireIfDue(deps, await ownPrescription(deps, caller, id));
  let receipt: string | undefined;
  if (input.rotate) {
    ({ row, receipt } = await withRetry(async () => {
      const fresh = await ownPrescription(deps, caller, id);
      const { reseal, cancelReason } = await resealAll(deps, fresh);
      const r = await applyStep(deps, fresh, { type: 'rotate', prescriber: actorOf(caller) }, {
        caller,
        reseal,
        terms: await termsResealed(deps, fresh, fresh.codeVersion + 1),
        set: { codeVersion: fresh.codeVersion + 1, tokenKeyId: deps.keys.tokenKey.id, cancelReason },
      });
      return { row: r.row, receipt: r.recorded[0]!.receipt };
    }));
  } else {
    await recordToken(deps, caller.use);
  }
  return { ...(await codeAnswer(deps, row, input.datamatrix)), ...(receipt && { receipt }) };
}

/**
 * Every sealed record of the prescription (the documents of `issued` and `dispensed` events, the
 * cancel reason; the terms: `termsResealed`) opened under code version n and sealed again under n + 1: same places, new key.
 */
async function resealAll(deps: Deps, row: PrescriptionRow) {
  const oldKey = await contentKeyOf(deps, row);
  const newKey = await contentKeyOf(deps, row, row.codeVersion + 1);
  const again = async (jwe: string, place: SealContext) => {
    const clear = await open(deps.crypto, oldKey, jwe, { ...place, kid: row.tokenKeyId }).catch(() => {
      throw new OrdoError('record_unreadable', `A stored record of this prescription (event ${place.idx}) cannot be opened: its code cannot be rotated. Cancel it and issue it again.`);
    });
    return seal(deps.crypto, newKey, clear, place);
  };
  const kid = deps.keys.tokenKey.id;
  const events = await deps.store.getEvents(row.id);
  const reseal: Reseal[] = [];
  for (const e of events) {
    const doc = sealedDocOf(e.type);
    if (doc && e.proof) reseal.push({ idx: e.idx, doc, proof: await again(e.proof, { kid, rx: row.id, idx: e.idx, doc }) });
  }
  const cancelIdx = events.find((e) => e.type === 'cancelled')?.idx;
  const cancelReason = row.cancelReason && cancelIdx !== undefined ? await again(row.cancelReason, { kid, rx: row.id, idx: cancelIdx, doc: 'cancel' }) : row.cancelReason;
  return { reseal, cancelReason };
}
