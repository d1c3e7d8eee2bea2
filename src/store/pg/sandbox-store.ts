/** A sandbox database's mark and clock (SandboxStore, store/types.ts) on PostgreSQL: the same rows and rules as ../sandbox-store.ts. */
import type { Pool } from 'pg';
import type { SandboxStore } from '../types.js';

export class PgSandboxStore implements SandboxStore {
  constructor(private readonly pool: Pool) {}

  async offset() {
    const r = await this.pool.query<{ offset_ms: string }>('SELECT offset_ms FROM sandbox WHERE id = 1');
    return r.rows[0] ? Number(r.rows[0].offset_ms) : undefined;
  }
  async holdsData() {
    const r = await this.pool.query('SELECT EXISTS (SELECT 1 FROM actors) OR EXISTS (SELECT 1 FROM prescriptions) AS held');
    return r.rows[0]?.held === true;
  }
  async mark(at: string) {
    await this.pool.query('INSERT INTO sandbox (id, offset_ms, marked_at) VALUES (1, 0, $1) ON CONFLICT DO NOTHING', [at]);
  }
  async advance(offsetMs: number) {
    // GREATEST: two moves at once both go forward, the later time wins; the clock never goes back.
    const r = await this.pool.query<{ offset_ms: string }>('UPDATE sandbox SET offset_ms = GREATEST(offset_ms, $1) WHERE id = 1 RETURNING offset_ms', [offsetMs]);
    if (!r.rows[0]) throw new Error('advance: this database is not marked a sandbox');
    return Number(r.rows[0].offset_ms);
  }
}
