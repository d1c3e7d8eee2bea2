/**
 * The transparency log's tables on PostgreSQL: the same as on SQLite (../log-schema.ts), typed
 * for PostgreSQL. The hashes are plain `bytea` (never a packed value: nothing else fits there).
 */
import { bigint, customType, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core';

const bytes = customType<{ data: Uint8Array; driverData: Buffer }>({
  dataType: () => 'bytea',
  toDriver: (v) => Buffer.from(v.buffer, v.byteOffset, v.length),
  fromDriver: (v) => new Uint8Array(v.buffer, v.byteOffset, v.length),
});
const count = (name: string) => bigint(name, { mode: 'number' });

export const logTiles = pgTable(
  'log_tiles',
  {
    level: smallint('level').notNull(),
    idx: count('idx').notNull(),
    hashes: bytes('hashes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx] })],
);

export const logCheckpoints = pgTable('log_checkpoints', {
  size: count('size').primaryKey(),
  root: bytes('root').notNull(),
  note: text('note').notNull(),
  at: count('at').notNull(),
  timestamp: bytes('timestamp'),
});

export const logCosignatures = pgTable(
  'log_cosignatures',
  {
    size: count('size').notNull(),
    witness: text('witness').notNull(),
    line: text('line').notNull(),
  },
  (t) => [primaryKey({ columns: [t.size, t.witness] })],
);
