/**
 * Issue: the prescriber's signed document is verified, checked against the rules at the legal
 * time, sealed, and recorded as the `issued` event of a new prescription, whose code is answered.
 */
import { canonicalJson, randomBytes } from '../crypto/hash.js';
import { keyedMac } from '../crypto/ordo-keys.js';
import { contentKey, seal } from '../crypto/seal.js';
import { computeV, encodeId, ID_BYTES } from '../domain/code.js';
import { invalidDocument } from '../domain/errors.js';
import { isoAt } from '../domain/events.js';
import { issuedState } from '../domain/lifecycle.js';
import { checkIssuedAtWindow, validatePrescription } from '../domain/prescription.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type PrescriptionRow } from '../store/types.js';
import { codeAnswer } from './answers.js';
import { actorOf, type Caller } from './caller.js';
import { commitTransition } from './commit.js';
import { verifyDocument } from './documents.js';
import { sealTermsWith } from './sealed-terms.js';
import { columnsOf } from './state.js';
import { answerRetry } from './tokens.js';

export type IssueInput = { prescription: string; datamatrix?: 'svg' | 'png' };

export async function issuePrescription(deps: Deps, caller: Caller, input: IssueInput) {
  const doc = await verifyDocument(deps, input.prescription, 'ordo-rx+jwt', caller.actor.id);
  const jti = doc.payload.jti;
  if (typeof jti !== 'string') throw invalidDocument('The document needs a jti.');
  // A keyed MAC, never a plain hash: a plain one would let a database reader confirm a guessed document.
  const mac = await keyedMac(deps.keys.tokenKey, 'doc', canonicalJson(doc.payload));
  const retry = (row: PrescriptionRow) =>
    answerRetry(deps, caller, row.docMac, mac, 'Another document was already issued under this jti: use a new jti for a new prescription.', async () => ({
      row,
      receipt: (await deps.store.getEvent(row.id, 0))!.receipt,
    }));

  // A retry is recognised before any time-based check, so it still answers after 24 h.
  const existing = await deps.store.getPrescriptionByDocument(caller.actor.id, jti);
  let outcome: { row: PrescriptionRow; receipt: string };
  let created = false;
  if (existing) {
    outcome = await retry(existing);
  } else {
    try {
      outcome = await record(deps, caller, input.prescription, doc, mac, jti);
      created = true;
    } catch (err) {
      // The same document sent twice at once: the loser answers as a retry.
      if (!(err instanceof CommitConflict && err.on === 'document')) throw err;
      outcome = await retry((await deps.store.getPrescriptionByDocument(caller.actor.id, jti))!);
    }
  }
  const { row, receipt } = outcome;
  return { created, answer: { id: row.id, ...(await codeAnswer(deps, row, input.datamatrix)), status: row.status, validUntil: row.validUntil, receipt } };
}

async function record(deps: Deps, caller: Caller, jws: string, doc: Awaited<ReturnType<typeof verifyDocument>>, mac: string, jti: string) {
  const now = deps.clock();
  checkIssuedAtWindow(doc.payload.iat, now, deps.config.skew);
  const rx = validatePrescription(doc.payload, { legalAt: now, tz: deps.config.tz, skewSeconds: deps.config.skew });
  if (rx.payload.replaces) {
    const old = await deps.store.getPrescription(rx.payload.replaces);
    if (!old || old.prescriberId !== caller.actor.id) throw invalidDocument('replaces must name one of your own earlier prescriptions.');
  }
  const idRaw = randomBytes(ID_BYTES);
  const id = encodeId(idRaw);
  const key = await contentKey(deps.crypto, await computeV(deps.keys.tokenKey.hmacKey, idRaw, 1), idRaw);
  const sealed = await seal(deps.crypto, key, jws, { kid: deps.keys.tokenKey.id, rx: id, idx: 0, doc: 'rx' });
  const state = issuedState(rx.items, rx.expiresAt);
  const { row, events } = await commitTransition(deps, {
    from: {
      insert: {
        id, prescriberId: caller.actor.id, docJti: jti, docMac: mac, codeVersion: 1, tokenKeyId: deps.keys.tokenKey.id,
        issuedAt: isoAt(now), validUntil: rx.validUntil, expiresAt: rx.expiresAt, itemCount: rx.items.length,
        terms: await sealTermsWith(deps, key, id, state.terms!), ...columnsOf(state), cancelReason: null, updatedAt: isoAt(now),
      },
    },
    events: [{ type: 'issued', actor: { ...actorOf(caller), kid: doc.kid }, claim: null, proof: jws, stored: sealed }],
    token: caller.use,
    now,
  });
  return { row, receipt: events[0]!.receipt };
}
