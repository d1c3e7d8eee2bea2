import { createRoute } from '@hono/zod-openapi';
import { parsePublicJwk } from '../../../crypto/keys.js';
import { OrdoError } from '../../../domain/errors.js';
import { isoAt } from '../../../domain/events.js';
import { CommitConflict } from '../../../store/types.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';
import { directoryView, DirectoryEntrySchema } from '../directory/schema.js';
import { NewActorSchema } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/actors',
  tags: ['Registrar'],
  summary: 'Add a prescriber or a pharmacy with its public keys',
  security: adminSecurity,
  middleware: [requireRegistrar()] as const,
  request: { body: { content: { 'application/json': { schema: NewActorSchema } }, required: true } },
  responses: {
    201: { description: 'Added', content: { 'application/json': { schema: DirectoryEntrySchema } } },
    ...problems(400, 401, 409, 413, 415),
  },
});

export const addActor = router().openapi(route, async (c) => {
  const { store, clock } = c.var.deps;
  const body = c.req.valid('json');
  const at = isoAt(clock());
  const parsed = await Promise.all(body.keys.map(parsePublicJwk));
  if (new Set(parsed.map((k) => k.kid)).size !== parsed.length) throw new OrdoError('bad_request', 'The same key is listed twice.');
  const actor = { id: body.id, kind: body.kind, name: body.name, profession: body.profession ?? null, specialty: body.specialty ?? null, status: 'active' as const, createdAt: at };
  const keys = parsed.map((k) => ({ actorId: body.id, kid: k.kid, jwk: JSON.stringify(k.jwk), alg: k.alg, addedAt: at, revokedAt: null }));
  try {
    await store.insertActor(actor, keys);
  } catch (err) {
    if (err instanceof CommitConflict) throw new OrdoError('conflict', 'An actor with this id, or one of these keys, is already in the directory.');
    throw err;
  }
  return c.json(directoryView(actor, keys), 201);
});
