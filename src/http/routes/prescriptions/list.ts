import { createRoute, z } from '@hono/zod-openapi';
import { base64url } from 'jose';
import { OrdoError } from '../../../domain/errors.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';
import { StatusSchema } from './schema.js';

const QuerySchema = z.object({
  state: StatusSchema.optional(),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const PageSchema = z
  .object({
    items: z.array(
      z.object({ id: z.string(), status: StatusSchema, issuedAt: z.string(), validUntil: z.string(), items: z.number().int(), updatedAt: z.string() }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('PrescriptionPage');

const route = createRoute({
  method: 'get',
  path: '/v1/prescriptions',
  tags: ['Prescriber'],
  summary: 'Your prescriptions, newest first (metadata only)',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', recordRead: true })] as const,
  request: { query: QuerySchema },
  responses: { 200: { description: 'A page', content: { 'application/json': { schema: PageSchema } } }, ...problems(400, 401, 403) },
});

function decodeCursor(cursor: string): { issuedAt: string; id: string } {
  try {
    const v = JSON.parse(new TextDecoder().decode(base64url.decode(cursor))) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { issuedAt: v[0], id: v[1] };
  } catch {
    // fall through: any undecodable cursor is the client's mistake
  }
  throw new OrdoError('bad_request', 'cursor: not a cursor this server gave.');
}

export const listPrescriptions = router().openapi(route, async (c) => {
  const { store } = c.var.deps;
  const q = c.req.valid('query');
  const rows = await store.listPrescriptions({
    prescriberId: c.var.caller.actor.id,
    status: q.state,
    after: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return c.json(
    {
      items: page.map((r) => ({ id: r.id, status: r.status, issuedAt: r.issuedAt, validUntil: r.validUntil, items: r.itemCount, updatedAt: r.updatedAt })),
      nextCursor: rows.length > q.limit && last ? base64url.encode(JSON.stringify([last.issuedAt, last.id])) : null,
    },
    200,
  );
});
