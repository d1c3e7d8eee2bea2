/**
 * The event feed's tables on PostgreSQL: the same as on SQLite (../feed-schema.ts). `feed` is
 * keyed by the reader first (its page is one index range); `feed_readers` by the prescription,
 * like every per-prescription table.
 */
import { bigint, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

export const feedReaders = pgTable(
  'feed_readers',
  {
    prescriptionId: text('prescription_id').notNull(),
    actorId: text('actor_id').notNull(),
    sinceIdx: integer('since_idx').notNull(),
  },
  (t) => [primaryKey({ columns: [t.prescriptionId, t.actorId] })],
);

export const feed = pgTable(
  'feed',
  {
    actorId: text('actor_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.seq] })],
);
