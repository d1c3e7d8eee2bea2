import { createRoute } from '@hono/zod-openapi';
import { DirectoryKeySchema, KeyParams } from '../../../contract/index.js';
import { revokeKey as revoke } from '../../../service/directory.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/actors/{id}/keys/{kid}/revoke',
  operationId: 'revokeActorKey',
  tags: ['Registrar'],
  summary: 'Revoke a key: it signs nothing new, and stays listed so past signatures verify',
  security: adminSecurity,
  middleware: [requireRegistrar()] as const,
  request: { params: KeyParams },
  responses: {
    200: { description: 'Revoked (idempotent: a second call keeps the first revocation time)', content: { 'application/json': { schema: DirectoryKeySchema } } },
    ...problems(400, 'unauthenticated', 404),
  },
});

export const revokeKey = router().openapi(route, async (c) => {
  const { id, kid } = c.req.valid('param');
  return c.json(await revoke(c.var.deps, id, kid), 200);
});
