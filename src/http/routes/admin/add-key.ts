import { createRoute, z } from '@hono/zod-openapi';
import { parsePublicJwk } from '../../../crypto/keys.js';
import { OrdoError } from '../../../domain/errors.js';
import { isoAt } from '../../../domain/events.js';
import { CommitConflict } from '../../../store/types.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';
import { ActorParams, NewKeySchema } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/actors/{id}/keys',
  tags: ['Registrar'],
  summary: "Add a public key to an actor (e.g. a new device)",
  security: adminSecurity,
  middleware: [requireRegistrar()] as const,
  request: { params: ActorParams, body: { content: { 'application/json': { schema: NewKeySchema } }, required: true } },
  responses: {
    201: { description: 'Added', content: { 'application/json': { schema: z.object({ kid: z.string() }) } } },
    ...problems(400, 401, 404, 409, 413, 415),
  },
});

export const addKey = router().openapi(route, async (c) => {
  const { store, clock } = c.var.deps;
  const { id } = c.req.valid('param');
  if (!(await store.getActor(id))) throw new OrdoError('not_found', 'No such actor in the directory.');
  const k = await parsePublicJwk(c.req.valid('json').jwk);
  try {
    await store.insertKey({ actorId: id, kid: k.kid, jwk: JSON.stringify(k.jwk), alg: k.alg, addedAt: isoAt(clock()), revokedAt: null });
  } catch (err) {
    if (err instanceof CommitConflict) throw new OrdoError('conflict', 'This key is already registered.');
    throw err;
  }
  return c.json({ kid: k.kid }, 201);
});
