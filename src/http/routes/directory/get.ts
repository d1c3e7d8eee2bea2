import { createRoute } from '@hono/zod-openapi';
import { DirectoryEntrySchema, DirectoryParams } from '../../../contract/index.js';
import { directoryEntry } from '../../../service/directory.js';
import { problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/v1/directory/{actorId}',
  operationId: 'getDirectoryEntry',
  tags: ['Directory'],
  summary: "An actor's public record and keys, revoked ones included",
  request: { params: DirectoryParams },
  responses: {
    200: { description: 'The actor, with an `ETag`', content: { 'application/json': { schema: DirectoryEntrySchema } } },
    304: { description: 'Unchanged since the `ETag` sent in `If-None-Match`' },
    ...problems(400, 404),
  },
});

export const getDirectoryEntry = router().openapi(route, async (c) => c.json(await directoryEntry(c.var.deps, c.req.valid('param').actorId), 200));
