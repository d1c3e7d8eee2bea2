import { createRoute } from '@hono/zod-openapi';
import { canonicalJson } from '../../../crypto/hash.js';
import { keyedMac } from '../../../crypto/ordo-keys.js';
import { seal } from '../../../crypto/seal.js';
import { applyDispense, isComplete } from '../../../domain/accounting.js';
import { timingSafeEqual } from '../../../domain/code.js';
import { checkDispensedAtWindow, parseDispensation } from '../../../domain/dispensation.js';
import { OrdoError } from '../../../domain/errors.js';
import type { Deps } from '../../../deps.js';
import { contentKeyOf } from '../../../service/code-access.js';
import { verifyDocument } from '../../../service/documents.js';
import { refuseIfClosed } from '../../../service/lifecycle.js';
import { accountOf, expireIfDue, progressOf, termsOf } from '../../../service/state.js';
import { recordToken } from '../../../service/tokens.js';
import { commitTransition, nextIndex, withRetry } from '../../../service/transition.js';
import { CommitConflict, type DispensationRow } from '../../../store/types.js';
import { requireActor, type Caller } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';
import { claimOfCaller } from './access.js';
import { ClaimParams, DispenseBodySchema, DispensedSchema, type Dispensed } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/claims/{claimId}/dispense',
  tags: ['Pharmacy'],
  summary: 'Record a dispensing (all or part) under your claim',
  description:
    'The signed dispensing record is verified and stored sealed. A dispense with something left ends the claim; with nothing left the prescription is completed. A retry of the same record (same `jti`) answers the original with 200.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', sub: true })] as const,
  request: { params: ClaimParams, body: { content: { 'application/json': { schema: DispenseBodySchema } }, required: true } },
  responses: {
    201: { description: 'Recorded', content: { 'application/json': { schema: DispensedSchema } } },
    200: { description: 'A retry: the original answer', content: { 'application/json': { schema: DispensedSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415, 422),
  },
});

/** The original answer to a record already stored under (pharmacy, jti), or 409 if it differs. */
async function retryAnswer(deps: Deps, caller: Caller, existing: DispensationRow, mac: string) {
  const enc = new TextEncoder();
  if (!timingSafeEqual(enc.encode(existing.mac), enc.encode(mac))) {
    throw new OrdoError('conflict', 'Another dispensing record was already recorded under this jti: use a new jti.');
  }
  await recordToken(deps, caller.use);
  const event = (await deps.store.getEvent(existing.prescriptionId, existing.idx))!;
  return { ...(JSON.parse(existing.answer) as Omit<Dispensed, 'receipt'>), receipt: event.receipt };
}

export const dispense = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const caller = c.var.caller;
  const { claimId } = c.req.valid('param');
  const jws = c.req.valid('json').dispensation;
  const { prescriptionId } = await claimOfCaller(deps, caller, claimId);
  const doc = await verifyDocument(deps, jws, 'ordo-dispense+jwt', caller.actor.id);
  const record = parseDispensation(doc.payload);
  const mac = await keyedMac(deps.keys.tokenKey, 'dispense', canonicalJson(doc.payload));
  c.header('Cache-Control', 'no-store');

  // A retry is recognised before any claim or state check.
  const existing = await deps.store.getDispensation(caller.actor.id, record.jti);
  if (existing) return c.json(await retryAnswer(deps, caller, existing, mac), 200);

  if (record.prescription !== prescriptionId) throw new OrdoError('invalid_document', 'The record names another prescription than this claim.');
  if (record.claim !== claimId) throw new OrdoError('invalid_document', 'The record names another claim than the one in the path.');
  if (record.dispensedAt !== undefined) checkDispensedAtWindow(Date.parse(record.dispensedAt), deps.clock());

  try {
    const answer = await withRetry(async () => {
      const row = await expireIfDue(deps, (await deps.store.getPrescription(prescriptionId))!);
      await refuseIfClosed(deps, row);
      if (row.claimId !== claimId) throw new OrdoError('claim_ended', 'This claim has ended: claim the prescription again.');
      const now = deps.clock();
      const progress = applyDispense(termsOf(row), progressOf(row), record.lines, now, deps.config.earlyDays);
      const complete = isComplete(termsOf(row), progress);
      const idx = nextIndex(row);
      const sealed = await seal(await contentKeyOf(deps, row), jws, { kid: deps.keys.tokenKey.id, rx: row.id, idx, doc: 'dispense' });
      const set = { status: complete ? ('completed' as const) : ('active' as const), progress: JSON.stringify(progress), claimId: null, claimPharmacy: null, claimExpiresAt: null, claimTtl: null };
      const next = { ...row, ...set };
      const view = { status: next.status, ...accountOf(deps, next) };
      const { events } = await commitTransition(deps, {
        from: row,
        set,
        events: [{ type: 'dispensed', actor: { id: caller.actor.id, kind: 'pharmacy', kid: doc.kid }, claim: claimId, proof: jws, stored: sealed }],
        token: caller.use,
        dispensation: { pharmacyId: caller.actor.id, jti: record.jti, prescriptionId, mac, answer: JSON.stringify(view) },
      });
      return { ...view, receipt: events[0]!.receipt };
    });
    return c.json(answer, 201);
  } catch (err) {
    // The same record sent twice at once: the loser answers as a retry.
    if (!(err instanceof CommitConflict && err.on === 'dispensation')) throw err;
    return c.json(await retryAnswer(deps, caller, (await deps.store.getDispensation(caller.actor.id, record.jti))!, mac), 200);
  }
});
