import { createRoute, z } from '@hono/zod-openapi';
import { OrdoError } from '../../../domain/errors.js';
import { ActorIdSchema, problems, router } from '../../openapi.js';
import { directoryView, DirectoryEntrySchema } from './schema.js';

const route = createRoute({
  method: 'get',
  path: '/v1/directory/{actorId}',
  tags: ['Directory'],
  summary: "An actor's public record and keys, revoked ones included",
  request: { params: z.object({ actorId: ActorIdSchema }) },
  responses: {
    200: { description: 'The actor', content: { 'application/json': { schema: DirectoryEntrySchema } } },
    ...problems(400, 404),
  },
});

export const getDirectoryEntry = router().openapi(route, async (c) => {
  const { store } = c.var.deps;
  const { actorId } = c.req.valid('param');
  const actor = await store.getActor(actorId);
  if (!actor) throw new OrdoError('not_found', 'No such actor in the directory.');
  return c.json(directoryView(actor, await store.getActorKeys(actorId)), 200);
});
