import { createRoute } from '@hono/zod-openapi';
import { IssuedSchema, IssueRequestSchema } from '../../../contract/index.js';
import { issuePrescription as issue } from '../../../service/issue.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/prescriptions',
  operationId: 'issuePrescription',
  tags: ['Prescriber'],
  summary: 'Issue a prescription',
  description:
    'Verifies the signed document, stores it sealed, records the `issued` event and answers the code. A retry (same `jti`, same payload) answers the original receipt and the current code with 200; another payload under that `jti` is 409.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber' })] as const,
  request: { body: { content: { 'application/json': { schema: IssueRequestSchema } }, required: true } },
  responses: {
    201: { description: 'Issued', content: { 'application/json': { schema: IssuedSchema } } },
    200: { description: 'A retry of an issued prescription: the original answer', content: { 'application/json': { schema: IssuedSchema } } },
    ...problems(400, 401, 403, 'conflict', 413, 415, 'invalid_document', 'bad_signature'),
  },
});

export const issuePrescription = router().openapi(route, async (c) => {
  const { created, answer } = await issue(c.var.deps, c.var.caller, c.req.valid('json'));
  c.header('Cache-Control', 'no-store');
  return c.json(answer, created ? 201 : 200);
});
