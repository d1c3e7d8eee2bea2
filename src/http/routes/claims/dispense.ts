import { createRoute } from '@hono/zod-openapi';
import { ClaimParams, DispensedSchema, DispenseRequestSchema } from '../../../contract/index.js';
import { dispense as dispenseUnderClaim } from '../../../service/dispense.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/claims/{claimId}/dispense',
  operationId: 'dispense',
  tags: ['Pharmacy'],
  summary: 'Record a dispensing (all or part) under your claim',
  description:
    'The signed dispensing record is verified and stored sealed. A dispense with something left ends the claim; with nothing left the prescription is completed. A retry of the same record (same `jti`) answers the original with 200.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', sub: true })] as const,
  request: { params: ClaimParams, body: { content: { 'application/json': { schema: DispenseRequestSchema } }, required: true } },
  responses: {
    201: { description: 'Recorded', content: { 'application/json': { schema: DispensedSchema } } },
    200: { description: 'A retry: the original answer', content: { 'application/json': { schema: DispensedSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415, 422),
  },
});

export const dispense = router().openapi(route, async (c) => {
  const { created, answer } = await dispenseUnderClaim(c.var.deps, c.var.caller, c.req.valid('param').claimId, c.req.valid('json').dispensation);
  c.header('Cache-Control', 'no-store');
  return c.json(answer, created ? 201 : 200);
});
