import { createRoute } from '@hono/zod-openapi';
import { ActorParams, AddedKeySchema, NewKeySchema } from '../../../contract/index.js';
import { addKey as add } from '../../../service/directory.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/actors/{id}/keys',
  operationId: 'addActorKey',
  tags: ['Registrar'],
  summary: "Add a public key to an actor (e.g. a new device)",
  security: adminSecurity,
  middleware: [requireRegistrar()] as const,
  request: { params: ActorParams, body: { content: { 'application/json': { schema: NewKeySchema } }, required: true } },
  responses: {
    201: { description: 'Added', content: { 'application/json': { schema: AddedKeySchema } } },
    ...problems(400, 'unauthenticated', 404, 'conflict', 413, 415),
  },
});

export const addKey = router().openapi(route, async (c) => c.json(await add(c.var.deps, c.req.valid('param').id, c.req.valid('json').jwk), 201));
