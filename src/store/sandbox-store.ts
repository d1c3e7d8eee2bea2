/**
 * A sandbox database's mark and clock (SandboxStore, store/types.ts) on SQLite and D1. Read at
 * start on every database (is it marked?), and on each request only when ORDO_SANDBOX=1.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { sandbox } from './sandbox-schema.js';
import * as s from './schema.js';
import type { SandboxStore } from './types.js';

export class DrizzleSandboxStore implements SandboxStore {
  constructor(private readonly db: Db) {}

  async offset() {
    return (await this.db.select({ offsetMs: sandbox.offsetMs }).from(sandbox).where(eq(sandbox.id, 1)))[0]?.offsetMs;
  }
  async holdsData() {
    const [actor] = await this.db.select({ id: s.actors.id }).from(s.actors).limit(1);
    const [rx] = await this.db.select({ id: s.prescriptions.id }).from(s.prescriptions).limit(1);
    return actor !== undefined || rx !== undefined;
  }
  async mark(at: string) {
    await this.db.insert(sandbox).values({ id: 1, offsetMs: 0, markedAt: at }).onConflictDoNothing().run();
  }
  async advance(offsetMs: number) {
    // max(): two moves at once both go forward, the later time wins; the clock never goes back.
    const [r] = await this.db.update(sandbox).set({ offsetMs: sql`max(${sandbox.offsetMs}, ${offsetMs})` }).where(eq(sandbox.id, 1)).returning({ offsetMs: sandbox.offsetMs });
    if (!r) throw new Error('advance: this database is not marked a sandbox');
    return r.offsetMs;
  }
}
