import { createRoute } from '@hono/zod-openapi';
import { LookupRequestSchema, LookupSchema } from '../../../contract/index.js';
import { lookup as lookupByCode } from '../../../service/lookup.js';
import { problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/lookup',
  operationId: 'lookup',
  tags: ['Code holder'],
  summary: 'Open a prescription with its code: content, status, remaining, and the trace with proofs',
  description: 'The code travels in the body, never in a URL. Failed attempts are limited per client (429 with Retry-After).',
  request: { body: { content: { 'application/json': { schema: LookupRequestSchema } }, required: true } },
  responses: {
    200: { description: 'The prescription', content: { 'application/json': { schema: LookupSchema } } },
    ...problems(400, 404, 413, 415, 429),
  },
});

export const lookup = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const answer = await lookupByCode(deps, c.req.valid('json').code, deps.clientAddress(c));
  c.header('Cache-Control', 'no-store');
  return c.json(answer, 200);
});
