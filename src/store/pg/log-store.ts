/**
 * The log's storage (LogStore, store/types.ts) on PostgreSQL: the same rows and rules as on
 * SQLite (../log-store.ts). Any number of processes may integrate at once: a tile only grows, a
 * checkpoint already stored stays, and what they compute is the same.
 */
import type { Pool } from 'pg';
import { hashBytes } from '../log-store.js';
import type { LogStore, StoredCheckpoint, StoredTile } from '../types.js';
import { fromPgPacked } from './schema.js';
import { inTransaction } from './transaction.js';

const buffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length);
const bytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
const CHECKPOINT = 'SELECT size, root, note, at, timestamp FROM log_checkpoints';

export class PgLogStore implements LogStore {
  constructor(private readonly pool: Pool) {}

  private async rows(name: string, text: string, values: unknown[]) {
    return (await this.pool.query({ name: `ordo_log_${name}`, text, values, rowMode: 'array' })).rows as unknown as unknown[][];
  }
  private async withCosignatures(r: unknown[] | undefined): Promise<StoredCheckpoint | undefined> {
    if (!r) return undefined;
    const size = Number(r[0]);
    const cosignatures = (await this.rows('cosignatures', 'SELECT witness, line FROM log_cosignatures WHERE size = $1 ORDER BY witness COLLATE "C"', [size])).map(([witness, line]) => ({ witness: witness as string, line: line as string }));
    return { size, root: bytes(r[1] as Buffer), note: r[2] as string, at: Number(r[3]), ...(r[4] !== null && { timestamp: bytes(r[4] as Buffer) }), cosignatures };
  }
  async head() {
    return this.withCosignatures((await this.rows('head', `${CHECKPOINT} ORDER BY size DESC LIMIT 1`, []))[0]);
  }
  async checkpoint(size: number) {
    return this.withCosignatures((await this.rows('checkpoint', `${CHECKPOINT} WHERE size = $1`, [size]))[0]);
  }
  async size() {
    const [r] = await this.rows('size', 'SELECT max(size) FROM log_checkpoints', []);
    return Number(r?.[0] ?? 0);
  }
  async leaves(after: number, limit: number) {
    const rows = await this.rows('leaves', 'SELECT seq, hash FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit]);
    return rows.map(([seq, hash]) => ({ seq: Number(seq), hash: hashBytes(fromPgPacked(hash)) }));
  }
  async tile(level: number, index: number) {
    const [r] = await this.rows('tile', 'SELECT hashes FROM log_tiles WHERE level = $1 AND idx = $2', [level, index]);
    return r && bytes(r[0] as Buffer);
  }
  async append(tiles: StoredTile[], c: Omit<StoredCheckpoint, 'cosignatures' | 'timestamp'>) {
    await inTransaction(this.pool, async (db) => {
      for (const t of tiles) {
        await db.query({
          name: 'ordo_log_tile_put',
          text: 'INSERT INTO log_tiles (level, idx, hashes) VALUES ($1, $2, $3) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes WHERE octet_length(excluded.hashes) > octet_length(log_tiles.hashes)',
          values: [t.level, t.index, buffer(t.hashes)],
        });
      }
      await db.query({ name: 'ordo_log_cosignatures_stale', text: 'DELETE FROM log_cosignatures WHERE size = $1 AND NOT EXISTS (SELECT 1 FROM log_checkpoints WHERE size = $1)', values: [c.size] });
      await db.query({ name: 'ordo_log_checkpoint_put', text: 'INSERT INTO log_checkpoints (size, root, note, at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING', values: [c.size, buffer(c.root), c.note, c.at] });
    });
  }
  async setTimestamp(size: number, token: Uint8Array) {
    await this.pool.query('UPDATE log_checkpoints SET timestamp = $2 WHERE size = $1 AND timestamp IS NULL', [size, buffer(token)]);
  }
  async addCosignature(size: number, witness: string, line: string) {
    await this.pool.query('INSERT INTO log_cosignatures (size, witness, line) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [size, witness, line]);
  }
  async witnessed(witness: string) {
    const [r] = await this.rows('witnessed', 'SELECT max(size) FROM log_cosignatures WHERE witness = $1', [witness]);
    return Number(r?.[0] ?? 0);
  }
}
