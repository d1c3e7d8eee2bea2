import { createRoute, z } from '@hono/zod-openapi';
import { seal } from '../../../crypto/seal.js';
import { OrdoError } from '../../../domain/errors.js';
import { contentKeyOf } from '../../../service/code-access.js';
import { lastReceipt } from '../../../service/lifecycle.js';
import { expireIfDue } from '../../../service/state.js';
import { recordToken } from '../../../service/tokens.js';
import { commitTransition, nextIndex, withRetry } from '../../../service/transition.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';
import { StatusReceiptSchema } from '../claims/schema.js';
import { IdParams } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/prescriptions/{id}/cancel',
  tags: ['Prescriber'],
  summary: 'Cancel a prescription, even while a pharmacy holds it (idempotent)',
  description: 'Cancel always wins, for patient safety: it ends any claim, and the claimant’s next call gets 410 `cancelled` with the reason. Dispensings already recorded stay. The reason is stored sealed.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', sub: 'id' })] as const,
  request: {
    params: IdParams,
    body: { content: { 'application/json': { schema: z.object({ reason: z.string().trim().min(1).max(500) }).strict().openapi('CancelRequest') } }, required: true },
  },
  responses: {
    200: { description: 'Cancelled (or already cancelled)', content: { 'application/json': { schema: StatusReceiptSchema } } },
    ...problems(400, 401, 403, 404, 410, 413, 415),
  },
});

export const cancelPrescription = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const caller = c.var.caller;
  const { id } = c.req.valid('param');
  const { reason } = c.req.valid('json');
  const answer = await withRetry(async () => {
    const found = await deps.store.getPrescription(id);
    if (!found || found.prescriberId !== caller.actor.id) throw new OrdoError('not_found', 'No such prescription of yours.');
    const row = await expireIfDue(deps, found);
    if (row.status === 'completed') throw new OrdoError('already_completed', 'Everything on this prescription has been dispensed: there is nothing left to cancel.');
    if (row.status === 'expired') throw new OrdoError('expired', `This prescription already expired at the end of ${row.validUntil}.`);
    if (row.status === 'cancelled') {
      await recordToken(deps, caller.use);
      return { status: row.status, receipt: lastReceipt(await deps.store.getEvents(row.id), 'cancelled')! };
    }
    const idx = nextIndex(row);
    const sealedReason = await seal(await contentKeyOf(deps, row), reason, { kid: deps.keys.tokenKey.id, rx: row.id, idx, doc: 'cancel' });
    const { row: next, events } = await commitTransition(deps, {
      from: row,
      set: { status: 'cancelled', cancelReason: sealedReason, claimId: null, claimPharmacy: null, claimExpiresAt: null, claimTtl: null },
      events: [{ type: 'cancelled', actor: { id: caller.actor.id, kind: 'prescriber', kid: caller.kid }, claim: row.claimId, proof: caller.token }],
      token: caller.use,
    });
    return { status: next.status, receipt: events[0]!.receipt };
  });
  return c.json(answer, 200);
});
