import { createRoute } from '@hono/zod-openapi';
import { DirectoryEntrySchema, NewActorSchema } from '../../../contract/index.js';
import { addActor as add } from '../../../service/directory.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/actors',
  operationId: 'addActor',
  tags: ['Registrar'],
  summary: 'Add a prescriber or a pharmacy with its public keys',
  security: adminSecurity,
  middleware: [requireRegistrar()] as const,
  request: { body: { content: { 'application/json': { schema: NewActorSchema } }, required: true } },
  responses: {
    201: { description: 'Added', content: { 'application/json': { schema: DirectoryEntrySchema } } },
    ...problems(400, 'unauthenticated', 'conflict', 413, 415),
  },
});

export const addActor = router().openapi(route, async (c) => c.json(await add(c.var.deps, c.req.valid('json')), 201));
