/** GET /v1/feed: an actor's events in `seq` order, after a cursor (docs/design.md § Event feed). */
import { z } from '@hono/zod-openapi';
import { ActorKindSchema, EventTypeSchema, PrescriptionIdSchema, sample } from './common.js';

/** A cursor: the `seq` of the last event read, 0 for the beginning (at most 15 digits: a safe integer). */
export const CURSOR_PATTERN = /^(0|[1-9][0-9]{0,14})$/;
const CursorSchema = z.string().regex(CURSOR_PATTERN, 'a cursor this server gave: digits, no leading zero');

export const FeedQuerySchema = z
  .object({
    after: CursorSchema.optional().openapi({ description: 'The `cursor` of the previous answer (the `seq` of the last event read); 0 or absent: from the beginning. With Server-Sent Events, `Last-Event-ID` is used when this is absent.', example: '2' }),
    limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ description: 'At most this many events (1–500, default 100).', example: 100 }),
    wait: z.coerce.number().int().min(0).max(30).default(0).openapi({ description: 'Long polling: when nothing is newer than `after`, wait up to this many seconds (0–30) and answer as soon as one event arrives.', example: 25 }),
  })
  .strict();
export type V1FeedQuery = Partial<z.input<typeof FeedQuerySchema>>;

/** The sample story's dispense (src/contract/common.ts), as the pharmacy that dispensed reads it. */
const feedEventExample = {
  seq: 3, prescriptionId: sample.prescriptionId, index: 2, type: 'dispensed' as const, at: '2026-11-28T10:01:00.000Z',
  actor: { id: sample.pharmacyId, kind: 'pharmacy' as const, kid: sample.pharmacyKid }, claim: sample.claimId, hash: sample.hashes[2]!, prevHash: sample.hashes[1]!,
};

export const FeedEventSchema = z
  .object({
    seq: z.number().int().positive().openapi({ description: 'Global order of events, in commit order; the cursor', example: 3 }),
    prescriptionId: PrescriptionIdSchema,
    index: z.number().int().min(0).openapi({ example: 2 }),
    type: EventTypeSchema,
    at: z.string().openapi({ example: '2026-11-28T10:01:00.000Z' }),
    actor: z.union([z.literal('ordo'), z.object({ kind: ActorKindSchema, id: z.string().optional(), kid: z.string().optional() })]).openapi({ description: 'Who acted: you, the prescriber, Ordo, or another pharmacy as `{ kind: "pharmacy" }` only' }),
    claim: z.string().nullable(),
    hash: z.string(),
    prevHash: z.string(),
  })
  .openapi('FeedEvent', { example: feedEventExample });
export type V1FeedEvent = z.infer<typeof FeedEventSchema>;

export const FeedPageSchema = z
  .object({
    events: z.array(FeedEventSchema),
    cursor: z.string().openapi({ description: 'Send it as `after` next time (unchanged when no event came)', example: '3' }),
  })
  .openapi('FeedPage', { example: { events: [feedEventExample], cursor: '3' } });
export type V1FeedPage = z.infer<typeof FeedPageSchema>;
