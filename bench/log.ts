/**
 * `npm run bench:log`: what integrating the transparency log costs (docs/performance.md § The
 * transparency log), on SQLite and on PostgreSQL.
 *
 * For each store, a fresh database (SQLite: openSqlite on a temporary file, `synchronous =
 * FULL` as Ordo runs it; PostgreSQL: a throwaway cluster with fsync on, as bench/run.ts starts
 * one, or the server of --pg-url) holding event rows numbered 1, 2, 3… with random 32-byte
 * hashes: integration reads nothing else of an event (leaf i is the hash of the event whose seq
 * is i + 1). The tree is grown to each size of --leaves (untimed, in checkpoints of 100,000),
 * then `integrate()` itself, the function Ordo's log turn runs, is timed --rounds times for each
 * --batch (ORDO_LOG_BATCH): each round adds a batch of leaves and signs a checkpoint.
 *
 * The time of a round is split by wrapping what integrate calls: reading (the head checkpoint
 * and the new leaves), reading the right edge's tiles, signing the checkpoint (the suite's
 * Ed25519), and the write (tiles and checkpoint in one transaction, committed and flushed); the
 * rest is hashing (leaf and node hashes) and building tiles. CPU is this process's (on SQLite it
 * includes SQLite's work; PostgreSQL's own is not in it).
 *
 * Then the log's storage: the bytes of log_tiles and log_checkpoints (SQLite: dbstat's pages;
 * PostgreSQL: pg_total_relation_size, with indexes and TOAST) per prescription of three events,
 * and a checkpoint's bytes, times 86,400 for a checkpoint a second.
 *
 *   node --import tsx bench/log.ts [--leaves 10000,100000,1000000] [--batch 1000,10000] [--rounds 7] [--stores sqlite,pg] [--pg-url URL]
 */
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { parseConfig } from '../src/config.js';
import { generateSigningJwk, loadSigner, loadTokenKey } from '../src/crypto/ordo-keys.js';
import type { Deps } from '../src/deps.js';
import { deriveLogKey } from '../src/keys-config.js';
import { nodeSuite } from '../src/node/crypto-suite.js';
import { integrate } from '../src/service/log/integrate.js';
import { openPostgres } from '../src/store/pg/open.js';
import { openSqlite } from '../src/store/sqlite.js';
import type { LogStore, Store } from '../src/store/types.js';
import { startCluster, type PgServer } from '../test/support/pg-cluster.js';
import { benchDatabaseName, createDatabase, dropDatabase, existingServer } from './postgres.js';

const root = join(import.meta.dirname, '..');
/** Germany's peak (issue 15): 2,390 mixed requests/s, 15 in 20 of them a write of one event. */
const PEAK_LEAVES_PER_SECOND = (2390 * 15) / 20;
/** Leaves a checkpoint adds while the tree is grown to the next size (untimed). */
const GROW_BATCH = 100_000;
const EVENTS_PER_PRESCRIPTION = 3;

type StoreName = 'sqlite' | 'pg';
type Options = { leaves: number[]; batch: number[]; rounds: number; stores: StoreName[]; pgUrl?: string; out: string };

/** One store under test: how to add event rows numbered `from` to `to`, its log's bytes, and closing it. */
type Bench = {
  name: StoreName;
  store: Store;
  addEvents(from: number, to: number): Promise<void>;
  bytes(): Promise<{ tiles: number; checkpoints: number; checkpointRows: number; size: number }>;
  close(): Promise<void>;
};

type Phases = { read: number; tileRead: number; hash: number; sign: number; write: number };
type Round = Phases & { total: number; cpu: number; added: number };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round2 = (x: number) => Math.round(x * 100) / 100;

async function baseDeps(store: Store): Promise<Deps> {
  const tokenKey = randomBytes(32);
  return {
    store,
    config: parseConfig({ ORDO_ISSUER: 'https://ordo.bench' }),
    crypto: nodeSuite,
    keys: { adminToken: 'bench', signer: await loadSigner(await generateSigningJwk(), nodeSuite), retired: [], tokenKey: await loadTokenKey(tokenKey), logKey: await deriveLogKey(tokenKey, nodeSuite) },
    clock: Date.now,
    log: (line) => line.level === 'error' && console.error(line),
    clientAddress: () => '127.0.0.1',
  };
}

/** `deps` with ORDO_LOG_BATCH = `batch`, and the store's log and the signature timed into `t`. */
function timedDeps(deps: Deps, batch: number, t: Phases): Deps {
  const timed = <A extends unknown[], R>(phase: keyof Phases, f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
    const started = performance.now();
    try {
      return await f(...a);
    } finally {
      t[phase] += performance.now() - started;
    }
  };
  const log = deps.store.log;
  const timedLog: LogStore = {
    head: timed('read', () => log.head()),
    checkpoint: (size) => log.checkpoint(size),
    size: () => log.size(),
    leaves: timed('read', (after: number, limit: number) => log.leaves(after, limit)),
    tile: timed('tileRead', (level: number, index: number) => log.tile(level, index)),
    append: timed('write', (tiles: Parameters<LogStore['append']>[0], c: Parameters<LogStore['append']>[1]) => log.append(tiles, c)),
    setTimestamp: (size, token) => log.setTimestamp(size, token),
    addCosignature: (size, witness, line) => log.addCosignature(size, witness, line),
    witnessed: (witness) => log.witnessed(witness),
  };
  // integrate reads only store.log.
  const store = Object.assign(Object.create(deps.store) as Store, { log: timedLog });
  const crypto = { ...deps.crypto, sign: timed('sign', (key: Parameters<Deps['crypto']['sign']>[0], data: Uint8Array) => deps.crypto.sign(key, data)) };
  return { ...deps, store, crypto, config: { ...deps.config, log: { ...deps.config.log, batch } } };
}

/** One timed integrate() of up to `batch` leaves. */
async function timedRound(deps: Deps, batch: number): Promise<Round> {
  const t: Phases = { read: 0, tileRead: 0, hash: 0, sign: 0, write: 0 };
  const d = timedDeps(deps, batch, t);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const r = await integrate(d);
  const total = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (!r || r.added !== batch) throw new Error(`integrate added ${r?.added ?? 0} leaves, not ${batch}: too few events preloaded`);
  t.hash = total - t.read - t.tileRead - t.sign - t.write;
  return { ...t, total, cpu: (used.user + used.system) / 1000, added: r.added };
}

async function sqliteBench(): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-log-'));
  const { store, db } = openSqlite(join(dir, 'log.db'), { migrationsFolder: join(root, 'drizzle'), packer: nodeSuite });
  const insert = db.prepare("INSERT INTO events (prescription_id, idx, seq, type, at, actor, hash) VALUES (?, ?, ?, 'issued', ?, ?, ?)");
  const actor = randomBytes(24);
  return {
    name: 'sqlite',
    store,
    async addEvents(from, to) {
      // Loading only: the measured writes run with Ordo's synchronous = FULL.
      db.pragma('synchronous = OFF');
      const at = Date.now();
      for (let lo = from; lo <= to; lo += 100_000) {
        db.transaction(() => {
          for (let seq = lo; seq <= Math.min(to, lo + 99_999); seq++) insert.run(`p${Math.floor((seq - 1) / EVENTS_PER_PRESCRIPTION)}`, (seq - 1) % EVENTS_PER_PRESCRIPTION, seq, at, actor, randomBytes(32));
        })();
      }
      db.pragma('synchronous = FULL');
    },
    async bytes() {
      return sqliteLogBytes(db);
    },
    async close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function sqliteLogBytes(db: Database.Database) {
  const of = (names: string[]) => (db.prepare(`SELECT coalesce(SUM(pgsize), 0) AS n FROM dbstat WHERE name IN (${names.map(() => '?').join(', ')})`).get(...names) as { n: number }).n;
  const indexes = (table: string) => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?").all(table) as { name: string }[]).map((r) => r.name);
  const { rows, size } = db.prepare('SELECT count(*) AS rows, max(size) AS size FROM log_checkpoints').get() as { rows: number; size: number };
  return { tiles: of(['log_tiles', ...indexes('log_tiles')]), checkpoints: of(['log_checkpoints', ...indexes('log_checkpoints')]), checkpointRows: rows, size };
}

async function pgBench(o: Options): Promise<Bench> {
  const server: PgServer = o.pgUrl ? existingServer(o.pgUrl) : await startCluster({ prefix: 'ordo-bench-log-pg-', settings: ['shared_buffers=256MB'] });
  const name = benchDatabaseName('log_');
  try {
    const url = await createDatabase(server, name);
    const store = await openPostgres(url, { migrationsFolder: join(root, 'drizzle/pg'), packer: nodeSuite, poolSize: 2 });
    // The bench's own connection, for loading and sizes; Ordo's store has its pool.
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const query = (text: string, values: unknown[] = []) => pool.query(text, values);
    return {
      name: 'pg',
      store,
      async addEvents(from, to) {
        // Built by the server: the hash a packed value (tag 0, then 32 bytes), SHA-256 of the seq.
        for (let lo = from; lo <= to; lo += 200_000) {
          await query(
            `INSERT INTO events (prescription_id, idx, seq, type, at, actor, hash)
             SELECT 'p' || ((g - 1) / 3), (g - 1) % 3, g, 'issued', $3::bytea, $4::bytea, '\\x00'::bytea || sha256(int8send(g) || $5::bytea)
             FROM generate_series($1::bigint, $2::bigint) AS g`,
            [lo, Math.min(to, lo + 199_999), Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0]), Buffer.concat([Buffer.from([0]), randomBytes(24)]), randomBytes(16)],
          );
        }
        await query('VACUUM (ANALYZE) events');
      },
      async bytes() {
        const size = (t: string) => query('SELECT pg_total_relation_size($1::regclass)::bigint AS n', [t]).then((r) => Number(r.rows[0].n));
        const c = (await query('SELECT count(*)::bigint AS rows, max(size)::bigint AS size FROM log_checkpoints')).rows[0];
        return { tiles: await size('log_tiles'), checkpoints: await size('log_checkpoints'), checkpointRows: Number(c.rows), size: Number(c.size) };
      },
      async close() {
        await store.close();
        await pool.end();
        await dropDatabase(server, name).finally(() => server.stop());
      },
    };
  } catch (err) {
    server.stop();
    throw err;
  }
}

/** Medians over the rounds, per 1,000 leaves (ms), and a whole checkpoint's median, fastest and slowest (ms). */
type Result = { store: StoreName; treeSize: number; batch: number; rounds: number } & Record<`${Exclude<keyof Round, 'added'>}MsPer1000`, number> & { medianMs: number; minMs: number; maxMs: number };

async function measureStore(b: Bench, o: Options, say: (s: string) => void) {
  const sizes = [...o.leaves].sort((x, y) => x - y);
  const perSize = o.rounds * o.batch.reduce((a, x) => a + x, 0) + Math.max(...o.batch);
  // Every size's rounds add leaves beyond it; the events for all of them, numbered from 1.
  let needed = 0;
  for (const s of sizes) needed = Math.max(needed, s) + perSize;
  const loadStarted = performance.now();
  say(`${b.name}: preloading ${needed.toLocaleString('en')} events`);
  await b.addEvents(1, needed);
  const loadSeconds = round2((performance.now() - loadStarted) / 1000);
  say(`${b.name}: preloaded in ${loadSeconds} s`);
  const deps = await baseDeps(b.store);
  const results: Result[] = [];
  let grownMs = 0;
  for (const size of sizes) {
    const grow = performance.now();
    let current = (await b.store.log.head())?.size ?? 0;
    while (current < size) current = (await integrate(timedDeps(deps, Math.min(GROW_BATCH, size - current), { read: 0, tileRead: 0, hash: 0, sign: 0, write: 0 })))!.size;
    grownMs += performance.now() - grow;
    // One untimed round first (the signer's key imported, statements prepared, pages cached).
    await timedRound(deps, o.batch[0]!);
    for (const batch of o.batch) {
      const rounds: Round[] = [];
      for (let i = 0; i < o.rounds; i++) rounds.push(await timedRound(deps, batch));
      const per = (k: keyof Round) => round2((median(rounds.map((r) => r[k])) * 1000) / batch);
      const totals = rounds.map((r) => r.total);
      const r: Result = {
        store: b.name, treeSize: size, batch, rounds: o.rounds,
        totalMsPer1000: per('total'), cpuMsPer1000: per('cpu'), readMsPer1000: per('read'), tileReadMsPer1000: per('tileRead'), hashMsPer1000: per('hash'), signMsPer1000: per('sign'), writeMsPer1000: per('write'),
        medianMs: round2(median(totals)), minMs: round2(Math.min(...totals)), maxMs: round2(Math.max(...totals)),
      };
      results.push(r);
      say(`  ${b.name.padEnd(6)} tree ${size.toLocaleString('en').padStart(9)}  batch ${String(batch).padStart(6)}: ${r.totalMsPer1000} ms per 1,000 leaves (CPU ${r.cpuMsPer1000}; read ${r.readMsPer1000}, tiles read ${r.tileReadMsPer1000}, hashing and tiles ${r.hashMsPer1000}, signing ${r.signMsPer1000}, write ${r.writeMsPer1000}); a checkpoint of ${batch} in ${r.medianMs} ms (${r.minMs}–${r.maxMs})`);
    }
  }
  const bytes = await b.bytes();
  const prescriptions = bytes.size / EVENTS_PER_PRESCRIPTION;
  const checkpointBytes = bytes.checkpoints / bytes.checkpointRows;
  const storage = {
    treeSize: bytes.size, checkpoints: bytes.checkpointRows, tileBytes: bytes.tiles, checkpointTableBytes: bytes.checkpoints,
    tileBytesPerLeaf: round2(bytes.tiles / bytes.size),
    tileBytesPerPrescription: round2(bytes.tiles / prescriptions),
    logBytesPerPrescription: round2((bytes.tiles + bytes.checkpoints) / prescriptions),
    bytesPerCheckpoint: Math.round(checkpointBytes),
    checkpointBytesPerDayAtOneASecond: Math.round(checkpointBytes * 86_400),
  };
  say(`  ${b.name}: ${storage.tileBytesPerPrescription} tile bytes a prescription (${storage.tileBytesPerLeaf} a leaf; ${bytes.size.toLocaleString('en')} leaves), ${storage.logBytesPerPrescription} with the ${bytes.checkpointRows} checkpoints; ${storage.bytesPerCheckpoint} bytes a checkpoint, ${(storage.checkpointBytesPerDayAtOneASecond / 1e6).toFixed(1)} MB a day at one a second`);
  return { results, storage, loadSeconds, growSeconds: round2(grownMs / 1000) };
}

export async function runLogBench(o: Options) {
  const say = (s: string) => console.log(s);
  say(`Log integration: ${o.stores.join(', ')}; trees of ${o.leaves.map((n) => n.toLocaleString('en')).join(', ')} leaves; batches of ${o.batch.join(', ')}; ${o.rounds} rounds each`);
  const stores: Record<string, Awaited<ReturnType<typeof measureStore>>> = {};
  for (const name of o.stores) {
    const b = name === 'sqlite' ? await sqliteBench() : await pgBench(o);
    try {
      stores[name] = await measureStore(b, o, say);
    } finally {
      await b.close();
    }
  }
  // A core's share at the peak: CPU per leaf (this process's; PostgreSQL's own work not in it) times leaves a second.
  const peak = Object.fromEntries(Object.entries(stores).flatMap(([name, s]) => s.results.map((r) => [`${name} ${r.treeSize} ${r.batch}`, { wallShareOfACore: round2((r.totalMsPer1000 * PEAK_LEAVES_PER_SECOND) / 1e6), cpuShareOfACore: round2((r.cpuMsPer1000 * PEAK_LEAVES_PER_SECOND) / 1e6) }])));
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform },
    options: { leaves: o.leaves, batch: o.batch, rounds: o.rounds, stores: o.stores, pgUrl: o.pgUrl ? 'given' : null },
    peakLeavesPerSecond: PEAK_LEAVES_PER_SECOND,
    stores,
    peak,
  };
  const file = join(o.out, `log-${result.date.slice(0, 16).replace(/[:T]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  say(`\nAt Germany's peak (${PEAK_LEAVES_PER_SECOND.toLocaleString('en')} leaves a second), share of one core (wall; CPU):`);
  for (const [k, v] of Object.entries(peak)) say(`  ${k.padEnd(24)} ${v.wallShareOfACore}; ${v.cpuShareOfACore}`);
  say(`\nResults: ${file}`);
  return { result, file };
}

const isMain = process.argv[1] && import.meta.filename === process.argv[1];
if (isMain) {
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const numbers = (s: string) => list(s).map(Number);
  const o = new Command('bench:log')
    .description("Time the transparency log's integration on SQLite and PostgreSQL; write bench/results/log-<date>.json")
    .option('--leaves <list>', 'tree sizes (leaves already in the tree) to measure at, comma-separated', numbers, [10_000, 100_000, 1_000_000])
    .option('--batch <list>', 'leaves a checkpoint adds (ORDO_LOG_BATCH), comma-separated', numbers, [1000, 10_000])
    .option('--rounds <n>', 'timed checkpoints for each tree size and batch', Number, 7)
    .option('--stores <list>', 'sqlite, pg', (s) => list(s) as StoreName[], ['sqlite', 'pg'] as StoreName[])
    .option('--pg-url <url>', 'a PostgreSQL server (the bench creates and drops a database of its own there) instead of a throwaway cluster')
    .option('--out <dir>', 'where results go', join(root, 'bench/results'))
    .parse()
    .opts() as Options;
  if (o.stores.some((s) => s !== 'sqlite' && s !== 'pg')) throw new Error(`--stores: sqlite or pg, not ${o.stores.join(', ')}`);
  if ([...o.leaves, ...o.batch, o.rounds].some((n) => !Number.isSafeInteger(n) || n < 0) || o.batch.some((b) => b < 1 || b > 1_000_000) || o.rounds < 1) {
    throw new Error('--leaves, --batch (1 to 1,000,000) and --rounds (at least 1) are whole numbers');
  }
  await runLogBench(o);
}
