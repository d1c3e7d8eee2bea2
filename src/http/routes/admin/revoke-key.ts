import { createRoute } from '@hono/zod-openapi';
import { OrdoError } from '../../../domain/errors.js';
import { isoAt } from '../../../domain/events.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';
import { DirectoryKeySchema, keyView } from '../directory/schema.js';
import { KeyParams } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/actors/{id}/keys/{kid}/revoke',
  tags: ['Registrar'],
  summary: 'Revoke a key: it signs nothing new, and stays listed so past signatures verify',
  security: adminSecurity,
  middleware: [requireRegistrar()] as const,
  request: { params: KeyParams },
  responses: {
    200: { description: 'Revoked (idempotent: a second call keeps the first revocation time)', content: { 'application/json': { schema: DirectoryKeySchema } } },
    ...problems(400, 401, 404),
  },
});

export const revokeKey = router().openapi(route, async (c) => {
  const { store, clock } = c.var.deps;
  const { id, kid } = c.req.valid('param');
  await store.revokeKey(id, kid, isoAt(clock()));
  const key = (await store.getActorKeys(id)).find((k) => k.kid === kid);
  if (!key) throw new OrdoError('not_found', 'No such key for this actor.');
  return c.json(keyView(key), 200);
});
