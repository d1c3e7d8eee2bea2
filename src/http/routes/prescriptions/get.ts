import { createRoute, z } from '@hono/zod-openapi';
import { OrdoError } from '../../../domain/errors.js';
import type { EventActor } from '../../../domain/events.js';
import { accountOf, expireIfDue } from '../../../service/state.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';
import { IdParams, RemainingSchema, StatusSchema } from './schema.js';

const ViewSchema = z
  .object({
    id: z.string(),
    status: StatusSchema,
    issuedAt: z.string(),
    validUntil: z.string(),
    remaining: RemainingSchema,
    nextDueAt: z.string().nullable(),
    claimedUntil: z.string().nullable(),
    events: z.array(
      z.object({
        index: z.number().int(),
        type: z.string(),
        at: z.string(),
        actor: z.union([z.literal('ordo'), z.object({ kind: z.string(), id: z.string().optional(), kid: z.string().optional() })]),
        claim: z.string().nullable(),
        hash: z.string(),
        prevHash: z.string(),
      }),
    ),
  })
  .openapi('PrescriberView');

const route = createRoute({
  method: 'get',
  path: '/v1/prescriptions/{id}',
  tags: ['Prescriber'],
  summary: 'One of your prescriptions: state, per-item totals and dispensed, events without proofs',
  description: 'Pharmacies appear as `{ kind: "pharmacy" }` only: the patient chooses the pharmacy freely. The full chain is verifiable with the code.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', sub: 'id', recordRead: true })] as const,
  request: { params: IdParams },
  responses: {
    200: { description: 'The prescription, with an `ETag`', content: { 'application/json': { schema: ViewSchema } } },
    304: { description: 'Unchanged since the `ETag` sent in `If-None-Match`: polling costs one row read' },
    ...problems(400, 401, 403, 404),
  },
});

/** RFC 9110 If-None-Match: `*` or a list of entity tags, compared weakly. */
const matches = (header: string | undefined, etag: string) =>
  header !== undefined && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));

/** The prescriber sees who acted only when it was themselves or Ordo. */
const maskActor = (a: EventActor) => (a === 'ordo' || a.kind === 'prescriber' ? a : { kind: a.kind });

export const getPrescription = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const found = await deps.store.getPrescription(c.req.valid('param').id);
  // Someone else's prescription answers exactly like an unknown one.
  if (!found || found.prescriberId !== c.var.caller.actor.id) throw new OrdoError('not_found', 'No such prescription of yours.');
  const row = await expireIfDue(deps, found);
  // Everything shown changes with the last event (its hash), except `nextDueAt`, which time moves.
  const account = accountOf(deps, row);
  const etag = `"${row.version}.${row.headHash.slice(0, 16)}.${account.nextDueAt === null ? 'due' : Date.parse(account.nextDueAt).toString(36)}"`;
  c.header('ETag', etag);
  c.header('Cache-Control', 'private, no-cache');
  if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
  const events = await deps.store.getEvents(row.id);
  return c.json(
    {
      id: row.id,
      status: row.status,
      issuedAt: row.issuedAt,
      validUntil: row.validUntil,
      ...account,
      claimedUntil: row.status === 'claimed' && row.claimExpiresAt !== null ? new Date(row.claimExpiresAt).toISOString() : null,
      events: events.map((e) => ({ index: e.idx, type: e.type, at: e.at, actor: maskActor(JSON.parse(e.actor) as EventActor), claim: e.claim, hash: e.hash, prevHash: e.prevHash })),
    },
    200,
  );
});
