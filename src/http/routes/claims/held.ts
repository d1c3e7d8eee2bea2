import { createRoute } from '@hono/zod-openapi';
import { HeldClaimsSchema, HeldQuerySchema } from '../../../contract/index.js';
import { listHeldClaims } from '../../../service/held.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/v1/claims',
  operationId: 'listHeldClaims',
  tags: ['Pharmacy'],
  summary: 'Your held prescriptions (your open claims), soonest expiry first, to extend, release or dispense',
  description:
    'The prescriptions whose current claim is yours, with the claim’s expiry; `lapsed` once it is past (still yours until another pharmacy claims it or the sweep ends it). No content and no code: keep what the counter needs locally. ' +
    'A prescription past its validity is recorded `expired` and left out, so a page may hold fewer than `limit`: follow `nextCursor` until it is null.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', recordRead: true })] as const,
  request: { query: HeldQuerySchema },
  responses: { 200: { description: 'A page', content: { 'application/json': { schema: HeldClaimsSchema } } }, ...problems(400, 401, 403) },
});

export const heldClaims = router().openapi(route, async (c) => {
  c.header('Cache-Control', 'no-store');
  return c.json(await listHeldClaims(c.var.deps, c.var.caller, c.req.valid('query')), 200);
});
