import { createRoute } from '@hono/zod-openapi';
import { OrdoError } from '../../../domain/errors.js';
import { lastReceipt, refuseIfClosed } from '../../../service/lifecycle.js';
import { expireIfDue } from '../../../service/state.js';
import { recordToken } from '../../../service/tokens.js';
import { commitTransition, withRetry } from '../../../service/transition.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';
import { claimOfCaller } from './access.js';
import { ClaimParams, ReleaseBodySchema, StatusReceiptSchema } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/claims/{claimId}/release',
  tags: ['Pharmacy'],
  summary: 'Release your claim without dispensing (idempotent)',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', sub: true })] as const,
  request: { params: ClaimParams, body: { content: { 'application/json': { schema: ReleaseBodySchema } }, required: false } },
  responses: {
    200: { description: 'Released (or already released by you)', content: { 'application/json': { schema: StatusReceiptSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415),
  },
});

export const release = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const caller = c.var.caller;
  const { claimId } = c.req.valid('param');
  const { prescriptionId } = await claimOfCaller(deps, caller, claimId);
  const answer = await withRetry(async () => {
    const row = await expireIfDue(deps, (await deps.store.getPrescription(prescriptionId))!);
    await refuseIfClosed(deps, row);
    if (row.claimId !== claimId) {
      const released = lastReceipt(await deps.store.getEvents(row.id), 'released', claimId);
      if (!released) throw new OrdoError('claim_ended', 'This claim has already ended.');
      await recordToken(deps, caller.use);
      return { status: row.status, receipt: released };
    }
    const { row: next, events } = await commitTransition(deps, {
      from: row,
      set: { status: 'active', claimId: null, claimPharmacy: null, claimExpiresAt: null, claimTtl: null },
      events: [{ type: 'released', actor: { id: caller.actor.id, kind: 'pharmacy', kid: caller.kid }, claim: claimId, proof: caller.token }],
      token: caller.use,
    });
    return { status: next.status, receipt: events[0]!.receipt };
  });
  return c.json(answer, 200);
});
