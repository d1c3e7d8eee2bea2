import { createRoute } from '@hono/zod-openapi';
import { ActorParams, DirectoryEntrySchema } from '../../../contract/index.js';
import { setActorStatus } from '../../../service/directory.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';

/** Suspend and reinstate are the same operation with another target status. */
function statusRoute(action: 'suspend' | 'reinstate') {
  const status = action === 'suspend' ? 'suspended' : 'active';
  const route = createRoute({
    method: 'post',
    path: `/v1/admin/actors/{id}/${action}`,
    operationId: `${action}Actor`,
    tags: ['Registrar'],
    summary: action === 'suspend' ? 'Suspend an actor: it can do nothing until reinstated' : 'Reinstate a suspended actor',
    security: adminSecurity,
    middleware: [requireRegistrar()] as const,
    request: { params: ActorParams },
    responses: {
      200: { description: `Actor ${status} (idempotent)`, content: { 'application/json': { schema: DirectoryEntrySchema } } },
      ...problems(400, 'unauthenticated', 404),
    },
  });
  return router().openapi(route, async (c) => c.json(await setActorStatus(c.var.deps, c.req.valid('param').id, status), 200));
}

export const suspendActor = statusRoute('suspend');
export const reinstateActor = statusRoute('reinstate');
