import { createRoute } from '@hono/zod-openapi';
import { ClaimParams, ExtendedSchema, ExtendRequestSchema } from '../../../contract/index.js';
import { extendClaim } from '../../../service/extend.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/claims/{claimId}/extend',
  operationId: 'extendClaim',
  tags: ['Pharmacy'],
  summary: 'Hold your claim longer without the code (goods on order)',
  description:
    'The rules of claiming again with a longer `ttl`: renewed at once, as a `claimed` event for the same claim (its receipt’s `claimedUntil` the new expiry), when the new expiry is at least ORDO_CLAIM_TTL later than the current one; otherwise 200 and nothing changes. ' +
    'The request token carries `sub` = the claimed prescription’s id and is the event’s proof. A `ttl` above ORDO_CLAIM_MAX_TTL is 400; a claim that has ended (also a lapsed one another pharmacy took) 409 `claim_ended`; completed, cancelled, expired: 410.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', sub: true })] as const,
  request: { params: ClaimParams, body: { content: { 'application/json': { schema: ExtendRequestSchema } }, required: true } },
  responses: {
    200: { description: 'Extended, or already held that long', content: { 'application/json': { schema: ExtendedSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415),
  },
});

export const extend = router().openapi(route, async (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json(await extendClaim(c.var.deps, c.var.caller, c.req.valid('param').claimId, c.req.valid('json').ttl), 200);
});
