import { createRoute } from '@hono/zod-openapi';
import { ListQuerySchema, PrescriptionPageSchema } from '../../../contract/index.js';
import { listPrescriptions as list } from '../../../service/view.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/v1/prescriptions',
  operationId: 'listPrescriptions',
  tags: ['Prescriber'],
  summary: 'Your prescriptions, newest first (metadata only)',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', recordRead: true })] as const,
  request: { query: ListQuerySchema },
  responses: { 200: { description: 'A page', content: { 'application/json': { schema: PrescriptionPageSchema } } }, ...problems(400, 401, 403) },
});

export const listPrescriptions = router().openapi(route, async (c) => {
  return c.json(await list(c.var.deps, c.var.caller, c.req.valid('query')), 200);
});
