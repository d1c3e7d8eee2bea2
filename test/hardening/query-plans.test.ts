/**
 * Statements whose cost would grow with the product of two large sets if SQLite chose the other
 * join order: their plans, read from the real SQLite (better-sqlite3's, and D1's is SQLite too)
 * over a migrated file. A plan is what the engine will do at any size, so this holds without
 * timing anything; the costs are measured by `npm run bench:certified`.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { revokeChunk } from '../../src/store/certificate-store.js';
import type { Db } from '../../src/store/db.js';
import * as schema from '../../src/store/schema.js';
import { openSqlite } from '../../src/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('a CRL chunk is matched serial by serial on key_certificates\' key, never by scanning the chunk for each certified key', () => {
  const file = join(dir, 'ordo.db');
  openSqlite(file, { migrationsFolder: join(import.meta.dirname, '../../drizzle'), packer: nodeSuite }).store.close();
  const sqlite = new Database(file);
  try {
    const db = drizzle({ client: sqlite, schema }) as unknown as Db;
    const chunk = Array.from({ length: 500 }, (_, i) => ({ serial: (0x10000000 + i).toString(16), at: '2026-12-01T00:00:00.000Z' }));
    const query = revokeChunk(db, 'ca-id', chunk).toSQL();
    const plan = (sqlite.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as { detail: string }[]).map((r) => r.detail);
    const chunkScan = plan.findIndex((d) => /^SCAN j\b/.test(d));
    const certificateSearch = plan.findIndex((d) => /^SEARCH kc USING .*INDEX .*\(ca=\? AND serial=\?\)/.test(d));
    expect(chunkScan, plan.join('\n')).toBeGreaterThanOrEqual(0);
    expect(certificateSearch, plan.join('\n')).toBeGreaterThan(chunkScan);
    expect(plan.some((d) => /^(SCAN|SEARCH) kc\b/.test(d) && !/serial=\?/.test(d)), plan.join('\n')).toBe(false);
  } finally {
    sqlite.close();
  }
});
