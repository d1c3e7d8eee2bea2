import { createRoute } from '@hono/zod-openapi';
import { CodeRequestSchema, CodeSchema, IdParams } from '../../../contract/index.js';
import { prescriptionCode } from '../../../service/code.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/prescriptions/{id}/code',
  operationId: 'getCode',
  tags: ['Prescriber'],
  summary: 'Reprint the code, or rotate it',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', sub: 'id' })] as const,
  request: { params: IdParams, body: { content: { 'application/json': { schema: CodeRequestSchema } }, required: false } },
  responses: {
    200: { description: 'The current code', content: { 'application/json': { schema: CodeSchema } } },
    ...problems(400, 401, 403, 404, 409, 413, 415),
  },
});

export const reprintCode = router().openapi(route, async (c) => {
  const answer = await prescriptionCode(c.var.deps, c.var.caller, c.req.valid('param').id, c.req.valid('json') ?? {});
  c.header('Cache-Control', 'no-store');
  return c.json(answer, 200);
});
