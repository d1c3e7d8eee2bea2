/**
 * PostgreSQL for `npm run bench` (targets pg1 and pg2): a throwaway cluster started for the run
 * (or a server given by --pg-url), databases of the bench's own on it, and the preload copied
 * from the SQLite seed file so that Ordo on PostgreSQL starts from the same rows as on SQLite.
 *
 * The cluster is the tests' (test/support/pg-cluster.ts), with more shared buffers; fsync stays
 * on: durability is part of what is measured.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { withDatabase, type PgServer } from '../test/support/pg-cluster.js';
import { openPostgres } from '../src/store/pg/open.js';
import { toPgPacked } from '../src/store/pg/schema.js';
import { nodeSuite } from '../src/node/crypto-suite.js';

const root = join(import.meta.dirname, '..');
const migrationsFolder = join(root, 'drizzle/pg');

/** A server the bench did not start (--pg-url): its processes are not ours to measure, nor to stop. */
export const existingServer = (url: string): PgServer => ({ url, postmasterPid: null, stop: () => {} });


export const benchDatabaseName = (kind = '') => `ordo_bench_${kind}${randomBytes(6).toString('hex')}`;

/** One connection to `url`, for `work`, closed after. */
async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** Creates database `name` on the server, empty or as a copy of `template` (nobody may be connected to it); returns its URL. */
export async function createDatabase(server: PgServer, name: string, template?: string): Promise<string> {
  await withClient(server.url, async (c) => {
    if (!template) return void (await c.query(`CREATE DATABASE ${name}`));
    // FILE_COPY (PostgreSQL 15+; earlier versions always copy files): the files copied and the
    // copy checkpointed, as the SQLite copy is flushed before its server starts, rather than
    // every page written through the WAL (WAL_LOG) and then again by the next checkpoint, during the runs.
    const version = Number((await c.query('SHOW server_version_num')).rows[0].server_version_num);
    const strategy = version >= 150000 ? ' STRATEGY FILE_COPY' : '';
    for (let attempt = 0; ; attempt++) {
      try {
        return void (await c.query(`CREATE DATABASE ${name} TEMPLATE ${template}${strategy}`));
      } catch (err) {
        // 55006: the template is being accessed (an autovacuum worker, which PostgreSQL asks to leave).
        if ((err as { code?: string }).code !== '55006' || attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  });
  return withDatabase(server.url, name);
}

/** Drops database `name`, with whatever is still connected to it. */
export const dropDatabase = (server: PgServer, name: string) => withClient(server.url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {});

/** Most parameters one statement may carry (PostgreSQL's protocol counts them in 16 bits). */
const MAX_PARAMS = 65_535;
/** Rows per INSERT at most, and statements in flight at once (each on its own connection). */
const MAX_ROWS = 2000;
const IN_FLIGHT = 3;

/**
 * Migrates the database at `url` (openPostgres, as Ordo does at start) and copies into it every
 * row of the SQLite seed file's tables that PostgreSQL has (prescriptions, events, dispensations,
 * receipt_signers, ordo_keys, and any other table of the schema that holds rows): read back in
 * rowid order, in batches, written with multi-row parameterized INSERTs. A `bytea` column is a
 * packed one (store/pg/schema.ts), its value converted with toPgPacked; every other value is
 * written as SQLite holds it (null stays null). Then event_seq is set to the largest seq (or
 * Ordo's next events would collide on it), receipt_signers' identity past its largest id, and
 * the tables vacuumed and analyzed, as a database that has lived would be. Returns seconds taken.
 */
export async function preloadPostgres(url: string, seedFile: string, onProgress?: (table: string, done: number, of: number) => void): Promise<number> {
  const started = performance.now();
  await (await openPostgres(url, { migrationsFolder, packer: nodeSuite, poolSize: 1 })).close();
  const seed = new Database(seedFile, { readonly: true });
  // Loading only (as the SQLite preload runs with synchronous=NORMAL): commits do not wait for
  // the WAL's flush; the CHECKPOINT at the end and the database's copy make everything durable.
  const pool = new pg.Pool({ connectionString: url, max: IN_FLIGHT, options: '-c synchronous_commit=off' });
  pool.on('error', () => {});
  try {
    const columns = (await pool.query(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )).rows as { table_name: string; column_name: string; data_type: string }[];
    const pgTables = new Map<string, Map<string, string>>();
    for (const c of columns) (pgTables.get(c.table_name) ?? pgTables.set(c.table_name, new Map()).get(c.table_name)!).set(c.column_name, c.data_type);
    const seedTables = new Set((seed.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    // event_seq's one row is the migration's; the rest, the seed's.
    const tables = [...pgTables.keys()].filter((t) => t !== 'event_seq' && seedTables.has(t));
    for (const table of tables) await copyTable(seed, pool, table, pgTables.get(table)!, onProgress);
    await pool.query('UPDATE event_seq SET last = (SELECT coalesce(max(seq), 0) FROM events) WHERE id = 1');
    await pool.query("SELECT setval(pg_get_serial_sequence('receipt_signers', 'id'), coalesce(max(id), 0) + 1, false) FROM receipt_signers");
    await pool.query('VACUUM (ANALYZE)');
    // Not permitted to every role on a server given by --pg-url (PostgreSQL 15: pg_checkpoint).
    await pool.query('CHECKPOINT').catch(() => {});
  } finally {
    seed.close();
    await pool.end();
  }
  return (performance.now() - started) / 1000;
}

async function copyTable(seed: Database.Database, pool: pg.Pool, table: string, pgColumns: Map<string, string>, onProgress?: (table: string, done: number, of: number) => void) {
  const total = (seed.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
  if (total === 0) return;
  const seedColumns = (seed.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[]).map((r) => r.name);
  const missing = seedColumns.filter((c) => !pgColumns.has(c));
  if (missing.length) throw new Error(`the seed's ${table} has columns PostgreSQL's has not: ${missing.join(', ')}`);
  const packed = seedColumns.map((c) => pgColumns.get(c) === 'bytea');
  const perStatement = Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / seedColumns.length));
  // Keyset pages by rowid (every table here has one): the first column read is the rowid.
  const page = seed.prepare(`SELECT rowid, ${seedColumns.map((c) => `"${c}"`).join(', ')} FROM "${table}" WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw();
  const head = `INSERT INTO "${table}" (${seedColumns.map((c) => `"${c}"`).join(', ')}) VALUES `;
  const placeholders = (rows: number) =>
    Array.from({ length: rows }, (_, r) => `(${seedColumns.map((_, k) => `$${r * seedColumns.length + k + 1}`).join(', ')})`).join(', ');
  const fullText = head + placeholders(perStatement);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let after = Number.MIN_SAFE_INTEGER;
  let done = 0;
  for (;;) {
    const rows = page.all(after, perStatement) as unknown[][];
    if (rows.length === 0) break;
    after = rows.at(-1)![0] as number;
    const params: unknown[] = [];
    for (const row of rows) {
      for (let k = 0; k < seedColumns.length; k++) {
        const v = row[k + 1];
        params.push(v === null || !packed[k] ? v : toPgPacked(v as Uint8Array | string | number));
      }
    }
    const text = rows.length === perStatement ? fullText : head + placeholders(rows.length);
    const p: Promise<void> = pool.query(text, params).then(
      () => {
        done += rows.length;
        onProgress?.(table, done, total);
      },
      (err: unknown) => void (failure ??= err),
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    if (failure) break;
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  if (done !== total) throw new Error(`copied ${done} of ${total} rows of ${table}`);
}

/** Bytes of the public tables (with their indexes and TOAST: pg_total_relation_size) per prescription. */
export async function pgStorage(url: string): Promise<{ bytes: number; prescriptions: number; perPrescription: number }> {
  return withClient(url, async (c) => {
    const bytes = Number((await c.query(
      "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'",
    )).rows[0].bytes);
    const prescriptions = Number((await c.query('SELECT count(*)::bigint AS n FROM prescriptions')).rows[0].n);
    return { bytes, prescriptions, perPrescription: Math.round(bytes / Math.max(1, prescriptions)) };
  });
}
