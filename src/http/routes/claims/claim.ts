import { createRoute } from '@hono/zod-openapi';
import { ClaimedSchema, ClaimRequestSchema } from '../../../contract/index.js';
import { claimPrescription } from '../../../service/claim.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/claims',
  operationId: 'claimPrescription',
  tags: ['Pharmacy'],
  summary: 'Claim a prescription by its code: opens it and locks it for this pharmacy',
  description:
    'The request token carries `sub` = the first 16 symbols of the code (the prescription id). The holder claiming again gets the same claim (200), renewed once less than half of its time is left, or at once when it asks for a longer `ttl` than its current claim (goods on order). Claimed elsewhere: 409 `claimed_elsewhere` with `claimedUntil`; completed, cancelled, expired: 410.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', sub: true })] as const,
  request: { body: { content: { 'application/json': { schema: ClaimRequestSchema } }, required: true } },
  responses: {
    201: { description: 'Claimed', content: { 'application/json': { schema: ClaimedSchema } } },
    200: { description: 'Already held by this pharmacy (renewed when less than half of its time was left)', content: { 'application/json': { schema: ClaimedSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415, 429),
  },
});

export const claim = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const { created, answer } = await claimPrescription(deps, c.var.caller, c.req.valid('json'));
  c.header('Cache-Control', 'no-store');
  return c.json(answer, created ? 201 : 200);
});
