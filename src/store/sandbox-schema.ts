/**
 * A sandbox database's mark (docs/sandbox.md), on SQLite and D1: one row, present only in a
 * database started with ORDO_SANDBOX=1, holding how far the registrar moved its clock. Every
 * process and host on the database reads the offset from here, so that they share one time.
 */
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { sql } from 'drizzle-orm';

export const sandbox = sqliteTable(
  'sandbox',
  {
    /** Always 1: the table holds one row or none. */
    id: integer('id').primaryKey(),
    /** How far the sandbox's clock is ahead of real time, milliseconds; it only grows. */
    offsetMs: integer('offset_ms').notNull().default(0),
    /** When the database was marked a sandbox (real time, RFC 3339). */
    markedAt: text('marked_at').notNull(),
  },
  (t) => [check('sandbox_one_row', sql`${t.id} = 1`)],
);
