/** A sandbox database's mark on PostgreSQL: the same row as on SQLite (../sandbox-schema.ts). */
import { sql } from 'drizzle-orm';
import { bigint, check, integer, pgTable, text } from 'drizzle-orm/pg-core';

export const sandbox = pgTable(
  'sandbox',
  {
    /** Always 1: the table holds one row or none. */
    id: integer('id').primaryKey(),
    /** How far the sandbox's clock is ahead of real time, milliseconds; it only grows. */
    offsetMs: bigint('offset_ms', { mode: 'number' }).notNull().default(0),
    /** When the database was marked a sandbox (real time, RFC 3339). */
    markedAt: text('marked_at').notNull(),
  },
  (t) => [check('sandbox_one_row', sql`${t.id} = 1`)],
);
