/**
 * The log's storage (LogStore, store/types.ts) on SQLite and D1, through drizzle. Writes go
 * through the store's `atomic` (a better-sqlite3 transaction, or one D1 batch).
 */
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import { decodeBase64url } from '../lib/base64url.js';
import type { Atomic, Db } from './db.js';
import { logCheckpoints, logCosignatures, logTiles } from './log-schema.js';
import { events } from './schema.js';
import type { LogStore, StoredCheckpoint, StoredTile } from './types.js';

/** An event's hash as stored: 32 bytes, or base64url text in a row written before packing. */
export const hashBytes = (v: Uint8Array | string | number): Uint8Array => (typeof v === 'string' ? decodeBase64url(v) : v instanceof Uint8Array ? v : new Uint8Array());

type CheckpointRow = typeof logCheckpoints.$inferSelect;

export class DrizzleLogStore implements LogStore {
  constructor(
    private readonly db: Db,
    private readonly atomic: Atomic,
  ) {}

  private async withCosignatures(row: CheckpointRow | undefined): Promise<StoredCheckpoint | undefined> {
    if (!row) return undefined;
    const cosignatures = await this.db.select({ witness: logCosignatures.witness, line: logCosignatures.line }).from(logCosignatures).where(eq(logCosignatures.size, row.size)).orderBy(asc(logCosignatures.witness));
    return { size: row.size, root: row.root, note: row.note, at: row.at, ...(row.timestamp && { timestamp: row.timestamp }), cosignatures };
  }
  async head() {
    return this.withCosignatures((await this.db.select().from(logCheckpoints).orderBy(desc(logCheckpoints.size)).limit(1))[0]);
  }
  async checkpoint(size: number) {
    return this.withCosignatures((await this.db.select().from(logCheckpoints).where(eq(logCheckpoints.size, size)))[0]);
  }
  async size() {
    const [r] = await this.db.select({ size: sql<number | null>`max(${logCheckpoints.size})` }).from(logCheckpoints);
    return r?.size ?? 0;
  }
  async leaves(after: number, limit: number) {
    const rows = await this.db.select({ seq: events.seq, hash: events.hash }).from(events).where(gt(events.seq, after)).orderBy(asc(events.seq)).limit(limit);
    return rows.map((r) => ({ seq: r.seq, hash: hashBytes(r.hash) }));
  }
  async tile(level: number, index: number) {
    return (await this.db.select({ hashes: logTiles.hashes }).from(logTiles).where(and(eq(logTiles.level, level), eq(logTiles.idx, index))))[0]?.hashes;
  }
  async append(tiles: StoredTile[], c: Omit<StoredCheckpoint, 'cosignatures' | 'timestamp'>) {
    await this.atomic([
      ...tiles.map((t) =>
        this.db
          .insert(logTiles)
          .values({ level: t.level, idx: t.index, hashes: t.hashes })
          .onConflictDoUpdate({ target: [logTiles.level, logTiles.idx], set: { hashes: sql`excluded.hashes` }, setWhere: sql`length(excluded.hashes) > length(${logTiles.hashes})` }),
      ),
      // A checkpoint of a new size has no cosignature yet: lines left by a deleted one (tampering) go.
      this.db.delete(logCosignatures).where(and(eq(logCosignatures.size, c.size), sql`NOT EXISTS (SELECT 1 FROM log_checkpoints WHERE size = ${c.size})`)),
      this.db.insert(logCheckpoints).values({ size: c.size, root: c.root, note: c.note, at: c.at }).onConflictDoNothing(),
    ]);
  }
  async setTimestamp(size: number, token: Uint8Array) {
    await this.db.update(logCheckpoints).set({ timestamp: token }).where(and(eq(logCheckpoints.size, size), sql`${logCheckpoints.timestamp} IS NULL`)).run();
  }
  async addCosignature(size: number, witness: string, line: string) {
    await this.db.insert(logCosignatures).values({ size, witness, line }).onConflictDoNothing().run();
  }
  async witnessed(witness: string) {
    const [r] = await this.db.select({ size: sql<number | null>`max(${logCosignatures.size})` }).from(logCosignatures).where(eq(logCosignatures.witness, witness));
    return r?.size ?? 0;
  }
}
