import { createRoute } from '@hono/zod-openapi';
import { OrdoError } from '../../../domain/errors.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';
import { directoryView, DirectoryEntrySchema } from '../directory/schema.js';
import { ActorParams } from './schema.js';

/** Suspend and reinstate are the same operation with another target status. */
function statusRoute(action: 'suspend' | 'reinstate') {
  const status = action === 'suspend' ? 'suspended' : 'active';
  const route = createRoute({
    method: 'post',
    path: `/v1/admin/actors/{id}/${action}`,
    tags: ['Registrar'],
    summary: action === 'suspend' ? 'Suspend an actor: it can do nothing until reinstated' : 'Reinstate a suspended actor',
    security: adminSecurity,
    middleware: [requireRegistrar()] as const,
    request: { params: ActorParams },
    responses: {
      200: { description: `Actor ${status} (idempotent)`, content: { 'application/json': { schema: DirectoryEntrySchema } } },
      ...problems(400, 401, 404),
    },
  });
  return router().openapi(route, async (c) => {
    const { store } = c.var.deps;
    const { id } = c.req.valid('param');
    const actor = await store.getActor(id);
    if (!actor) throw new OrdoError('not_found', 'No such actor in the directory.');
    await store.setActorStatus(id, status);
    return c.json(directoryView({ ...actor, status }, await store.getActorKeys(id)), 200);
  });
}

export const suspendActor = statusRoute('suspend');
export const reinstateActor = statusRoute('reinstate');
