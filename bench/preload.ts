/**
 * Scale for the benchmark: N prescriptions with their events, written straight into a migrated
 * database in batches. One real prescription is made first through the real app in-process
 * (issued, claimed, dispensed: three events, sealed document and record, real receipts); its rows
 * are then cloned with fresh ids, jtis, claim ids and sequence numbers. Clones have the real
 * sizes and shapes (storage, index depth, cache pressure) but cannot be opened: the benchmark
 * acts on prescriptions it issues itself.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base32crockford } from '@scure/base';
import { createApp } from '../src/app.js';
import { OrdoClient } from '../src/client/client.js';
import { generateKey } from '../src/client/sign.js';
import { parseConfig } from '../src/config.js';
import { generateSigningJwk, loadSigner, loadTokenKey } from '../src/crypto/ordo-keys.js';
import { deriveLogKey } from '../src/keys-config.js';
import { openSqlite } from '../src/store/sqlite.js';
import { rxDocument } from './documents.js';
import { nodeSuite } from '../src/node/crypto-suite.js';

const migrationsFolder = join(import.meta.dirname, '..', 'drizzle');

type Row = Record<string, unknown>;
/**
 * One real prescription's rows, and the keys that sealed them and signed their receipts: Ordo
 * is started on the preloaded database with these keys (it refuses a database sealed under keys
 * it does not have).
 */
export type Template = { prescription: Row; events: Row[]; dispensation: Row; secrets: { tokenKey: string; signingKey: string } };

/** One real prescription's rows: issued, claimed and dispensed through the real app. */
export async function makeTemplate(): Promise<Template> {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-template-'));
  try {
    const file = join(dir, 'template.db');
    const { store, db } = openSqlite(file, { migrationsFolder, packer: nodeSuite });
    const adminToken = randomBytes(32).toString('base64url');
    const tokenKey = randomBytes(32);
    const signingJwk = await generateSigningJwk();
    const app = createApp({
      store,
      crypto: nodeSuite,
      config: parseConfig({ ORDO_ISSUER: 'https://ordo.bench' }),
      keys: { adminToken, signer: await loadSigner(signingJwk, nodeSuite), retired: [], tokenKey: await loadTokenKey(tokenKey), logKey: await deriveLogKey(tokenKey, nodeSuite) },
      clock: Date.now,
      log: () => {},
      clientAddress: () => '127.0.0.1',
    });
    const fetch = (url: string | URL | Request, init?: RequestInit) => Promise.resolve(app.fetch(new Request(url, init)));
    const ordo = new OrdoClient({ url: 'https://ordo.bench', adminToken, fetch: fetch as typeof globalThis.fetch });
    const doctor = { id: 'tpl-md', key: await generateKey() };
    const pharmacy = { id: 'tpl-ph', key: await generateKey() };
    await ordo.addActor({ id: doctor.id, kind: 'prescriber', name: 'Dr Template', keys: [doctor.key.publicJwk] });
    await ordo.addActor({ id: pharmacy.id, kind: 'pharmacy', name: 'Pharmacie Template', keys: [pharmacy.key.publicJwk] });
    const rx = await ordo.as(doctor).prescribe(rxDocument(3));
    const c = await ordo.as(pharmacy).claim(rx.code);
    await ordo.as(pharmacy).dispense(c.claim.id, rx.id, [{ item: 0, quantity: 1 }, { item: 1, quantity: 1 }]);
    const template = {
      prescription: db.prepare('SELECT * FROM prescriptions WHERE id = ?').get(rx.id) as Row,
      events: db.prepare('SELECT * FROM events WHERE prescription_id = ? ORDER BY idx').all(rx.id) as Row[],
      dispensation: db.prepare('SELECT * FROM dispensations WHERE prescription_id = ?').get(rx.id) as Row,
      secrets: { tokenKey: tokenKey.toString('base64url'), signingKey: JSON.stringify(signingJwk) },
    };
    db.close();
    return template;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const insertOf = (db: Database.Database, table: string, row: Row) => {
  const cols = Object.keys(row);
  return db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
};

/** Writes `count` clones of the template into `file` (migrated first), in batches; returns seconds taken. */
export function preload(file: string, template: Template, count: number, onProgress?: (done: number) => void): number {
  const started = performance.now();
  openSqlite(file, { migrationsFolder, packer: nodeSuite }).db.close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // loading only: the benchmark's server runs with FULL
  const rx = insertOf(db, 'prescriptions', template.prescription);
  const ev = insertOf(db, 'events', template.events[0]!);
  const disp = insertOf(db, 'dispensations', template.dispensation);
  const BATCH = 10_000;
  const base = 1_000_000_000; // far above the sequence numbers the benchmark itself will assign
  for (let from = 0; from < count; from += BATCH) {
    db.transaction(() => {
      for (let i = from; i < Math.min(count, from + BATCH); i++) {
        const id = base32crockford.encode(randomBytes(10));
        const claim = randomBytes(16).toString('base64url');
        const prescriber = `pre-md-${i % 1000}`;
        rx.run({ ...template.prescription, id, prescriber_id: prescriber, doc_jti: `pre-${i}` });
        template.events.forEach((e, k) => ev.run({ ...e, prescription_id: id, seq: base + i * template.events.length + k, claim: e.claim === null ? null : claim }));
        disp.run({ ...template.dispensation, prescription_id: id, jti: `pre-d-${i}` });
      }
    })();
    onProgress?.(Math.min(count, from + BATCH));
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return (performance.now() - started) / 1000;
}

/** Bytes of the database (main file and WAL) per prescription in it. */
export function storagePerPrescription(file: string): { bytes: number; prescriptions: number; perPrescription: number } {
  const db = new Database(file, { readonly: true });
  const pages = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const prescriptions = (db.prepare('SELECT COUNT(*) AS n FROM prescriptions').get() as { n: number }).n;
  db.close();
  return { bytes: pages, prescriptions, perPrescription: Math.round(pages / Math.max(1, prescriptions)) };
}

/**
 * Bytes per prescription of a preloaded database (each prescription with its three-event trace:
 * issued, claimed, dispensed), by table and in all, from SQLite's `dbstat` (pages in use,
 * indexes counted apart), and the file's pages for comparison.
 */
export function tracedBytes(file: string): { prescriptions: number; perPrescription: number; tables: Record<string, number>; indexes: number; filePerPrescription: number } {
  const db = new Database(file, { readonly: true });
  try {
    const prescriptions = Math.max(1, (db.prepare('SELECT COUNT(*) AS n FROM prescriptions').get() as { n: number }).n);
    const kinds = new Map((db.prepare("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'index')").all() as { name: string; type: string }[]).map((r) => [r.name, r.type]));
    const rows = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[];
    const tables: Record<string, number> = {};
    let indexes = 0;
    let all = 0;
    for (const r of rows) {
      all += r.bytes;
      if (kinds.get(r.name) === 'index') indexes += r.bytes;
      else if (r.bytes / prescriptions >= 1) tables[r.name] = Math.round(r.bytes / prescriptions);
    }
    const filePages = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    return { prescriptions, perPrescription: Math.round(all / prescriptions), tables, indexes: Math.round(indexes / prescriptions), filePerPrescription: Math.round(filePages / prescriptions) };
  } finally {
    db.close();
  }
}
