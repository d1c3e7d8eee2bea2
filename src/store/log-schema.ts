/**
 * The transparency log's tables (docs/design.md § Transparency log), on SQLite and D1: the tiles
 * of the Merkle tree over every event's hash in `seq` order, and the signed checkpoints with what
 * witnesses and the time-stamping authority added to them. The leaves themselves are not copied:
 * leaf i is the hash of the event whose `seq` is i + 1.
 */
import { customType, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Bytes as every SQLite driver returns them (better-sqlite3 a Buffer, D1 an ArrayBuffer or an array of numbers). */
export const asBytes = (v: unknown): Uint8Array =>
  v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : Array.isArray(v) ? Uint8Array.from(v as number[]) : new Uint8Array();

const bytes = customType<{ data: Uint8Array; driverData: unknown }>({
  dataType: () => 'blob',
  fromDriver: asBytes,
});

/**
 * One tile of the tree (C2SP tlog-tiles, height 8): the hashes of up to 256 nodes of tree level
 * 8 × `level`, concatenated. A partial tile grows in place; it is never replaced by a shorter one.
 */
export const logTiles = sqliteTable(
  'log_tiles',
  {
    level: integer('level').notNull(),
    idx: integer('idx').notNull(),
    hashes: bytes('hashes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx] })],
);

/** Every checkpoint Ordo signed: one per size, kept for good. */
export const logCheckpoints = sqliteTable('log_checkpoints', {
  size: integer('size').primaryKey(),
  root: bytes('root').notNull(),
  /** The C2SP signed note: the checkpoint and Ordo's signature line. */
  note: text('note').notNull(),
  /** When Ordo signed it, epoch milliseconds. */
  at: integer('at').notNull(),
  /** An RFC 3161 TimeStampToken (DER) over the checkpoint's text, when a TSA is configured. */
  timestamp: bytes('timestamp'),
});

/** A witness's cosignature line (C2SP tlog-cosignature) of a checkpoint. */
export const logCosignatures = sqliteTable(
  'log_cosignatures',
  {
    size: integer('size').notNull(),
    /** The witness's key name. */
    witness: text('witness').notNull(),
    line: text('line').notNull(),
  },
  (t) => [primaryKey({ columns: [t.size, t.witness] })],
);
