/**
 * The event feed's tables (docs/design.md § Event feed): who may read a prescription's events,
 * and one row per event and reader, in `seq` order, so that a reader's page is one range of one
 * index whatever the database holds. Written in the same atomic write as the events.
 */
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** The prescriber (from index 0) and every pharmacy that claimed it (from its first `claimed`). */
export const feedReaders = sqliteTable(
  'feed_readers',
  {
    prescriptionId: text('prescription_id').notNull(),
    actorId: text('actor_id').notNull(),
    /** The index of the first event this reader sees. */
    sinceIdx: integer('since_idx').notNull(),
  },
  (t) => [primaryKey({ columns: [t.prescriptionId, t.actorId] })],
);

/** Each event once per reader: a reader's feed is `actor_id = ? AND seq > ?` in seq order. */
export const feed = sqliteTable(
  'feed',
  {
    actorId: text('actor_id').notNull(),
    seq: integer('seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.seq] })],
);
