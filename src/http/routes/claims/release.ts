import { createRoute } from '@hono/zod-openapi';
import { ClaimParams, ReleaseRequestSchema, StatusReceiptSchema } from '../../../contract/index.js';
import { releaseClaim } from '../../../service/release.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/claims/{claimId}/release',
  operationId: 'releaseClaim',
  tags: ['Pharmacy'],
  summary: 'Release your claim without dispensing (idempotent)',
  description:
    'The reason is for the pharmacy’s own records and is not stored; the request token, the event’s proof, is, with the body’s hash (`bdh`): a `reason` therefore comes with a random `salt` (400 without one), so that the hash reveals nothing.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', sub: true })] as const,
  request: { params: ClaimParams, body: { content: { 'application/json': { schema: ReleaseRequestSchema } }, required: false } },
  responses: {
    200: { description: 'Released (or already released by you)', content: { 'application/json': { schema: StatusReceiptSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415),
  },
});

export const release = router().openapi(route, async (c) => {
  // The body's reason is for the pharmacy's own records: validated (a salt with it), never stored.
  c.req.valid('json');
  return c.json(await releaseClaim(c.var.deps, c.var.caller, c.req.valid('param').claimId), 200);
});
