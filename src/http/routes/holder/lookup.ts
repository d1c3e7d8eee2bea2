import { createRoute, z } from '@hono/zod-openapi';
import { decodeJwt } from 'jose';
import { resolveCode } from '../../../service/code-access.js';
import { contentKey } from '../../../crypto/seal.js';
import { idBytes } from '../../../service/code-access.js';
import { accountOf, expireIfDue } from '../../../service/state.js';
import { openCancelReason, openTrace } from '../../../service/trace.js';
import { problems, router } from '../../openapi.js';
import { RemainingSchema, StatusSchema } from '../prescriptions/schema.js';
import { CodeInput, PrescriptionOpenedSchema, TraceEventSchema } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/lookup',
  tags: ['Code holder'],
  summary: 'Open a prescription with its code: content, status, remaining, and the trace with proofs',
  description: 'The code travels in the body, never in a URL. Failed attempts are limited per client (429 with Retry-After).',
  request: { body: { content: { 'application/json': { schema: z.object({ code: CodeInput }).strict() } }, required: true } },
  responses: {
    200: {
      description: 'The prescription',
      content: {
        'application/json': {
          schema: z
            .object({
              prescription: PrescriptionOpenedSchema,
              status: StatusSchema,
              remaining: RemainingSchema,
              nextDueAt: z.string().nullable(),
              cancelReason: z.string().nullable(),
              events: z.array(TraceEventSchema),
            })
            .openapi('Lookup'),
        },
      },
    },
    ...problems(400, 404, 413, 415, 429),
  },
});

export const lookup = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const { row: found, v } = await resolveCode(deps, c.req.valid('json').code, deps.clientAddress(c));
  const row = await expireIfDue(deps, found);
  const key = await contentKey(v, idBytes(row.id));
  const rows = await deps.store.getEvents(row.id);
  const events = await openTrace(deps, row, key, rows);
  const document = events[0]!.proof!;
  const prescriber = await deps.store.getActor(row.prescriberId);
  c.header('Cache-Control', 'no-store');
  return c.json(
    {
      prescription: {
        id: row.id,
        document,
        content: decodeJwt(document) as Record<string, unknown>,
        prescriber: { id: row.prescriberId, name: prescriber?.name ?? null, profession: prescriber?.profession ?? null, specialty: prescriber?.specialty ?? null },
        issuedAt: row.issuedAt,
        validUntil: row.validUntil,
      },
      status: row.status,
      ...accountOf(deps, row),
      cancelReason: await openCancelReason(row, key, rows),
      events,
    },
    200,
  );
});
