import { createRoute } from '@hono/zod-openapi';
import { ClaimParams, CorrectRequestSchema, DispensedSchema } from '../../../contract/index.js';
import { correct as correctUnderClaim } from '../../../service/correct.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/claims/{claimId}/correct',
  operationId: 'correctDispensation',
  tags: ['Pharmacy'],
  summary: 'Correct your dispensing record under this claim, within 24 hours of the dispense',
  description:
    'A new signed dispensing record that replaces, whole, the record in force under the claim (the `dispensed` event, or its latest correction), named by its event index in `corrects`. Only the pharmacy that dispensed may correct (403), until 24 hours after the dispense (422 `correction_too_late` with `correctableUntil`); a record no longer in force is 409 `conflict`. What was dispensed is recounted from the records in force, at the time of their dispenses. A retry of the same record (same `jti`) answers the original with 200.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', sub: true })] as const,
  request: { params: ClaimParams, body: { content: { 'application/json': { schema: CorrectRequestSchema } }, required: true } },
  responses: {
    201: { description: 'Recorded', content: { 'application/json': { schema: DispensedSchema } } },
    200: { description: 'A retry: the original answer', content: { 'application/json': { schema: DispensedSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415, 422),
  },
});

export const correct = router().openapi(route, async (c) => {
  const { created, answer } = await correctUnderClaim(c.var.deps, c.var.caller, c.req.valid('param').claimId, c.req.valid('json').dispensation);
  c.header('Cache-Control', 'no-store');
  return c.json(answer, created ? 201 : 200);
});
