/**
 * `npm run bench:feed`: what the event feed (docs/design.md § Event feed) costs, on SQLite and on
 * PostgreSQL: its bytes, its writes, its reads.
 *
 * Transitions. Real ones: a mix of prescriptions is issued, claimed, released and dispensed
 * through the real app in-process (createApp and OrdoClient over an in-process fetch, as
 * bench/preload.ts makes its template), on a scratch SQLite store whose `commit` records every
 * Transition it is given. Four in five prescriptions take three transitions (issued, claimed,
 * dispensed: the prescriber and one pharmacy read it), one in five five (claimed by a pharmacy,
 * released, claimed by a second, dispensed by it: three readers).
 *
 * Writes. The recorded transitions are committed again, in the order they were made, through
 * the real store's `commit` into fresh databases (SQLite: openSqlite, `synchronous = FULL`;
 * PostgreSQL: a throwaway cluster with fsync on, or --pg-url), by --concurrency lanes each
 * committing one prescription's transitions one after another (SQLite's group commit then
 * gathers the lanes' commits of one turn into one flush). Two databases per store and
 * concurrency, rounds alternating between them: "with", the store as it is, and "without", the
 * same store with only its feed statements taken out:
 * - SQLite: the store's two prepared feed statements (`feedWrites(db).prepared`, src/store/
 *   feed-store.ts, which SqliteStore.apply runs after the events) replaced on that store
 *   instance by ones that do nothing; on "with" they are wrapped in a timer instead, which
 *   gives the feed statements' own time inside the real commits (better-sqlite3 is synchronous:
 *   that time is this process's CPU).
 * - PostgreSQL: PgStore over a pool of the bench's whose connections take out, on "without",
 *   the readers' INSERT (answered at once, no round trip) and the feed CTE of the events' INSERT
 *   (the statement sent as it is before src/store/pg/feed-store.ts `withFeedRows`, its last
 *   parameter, the prescription id, dropped). On both the two statements are timed as sent
 *   (with concurrency, that time includes waiting for event_seq's row).
 * Reported per round: commits a second, this process's CPU a commit and, on a cluster of the
 * bench's own, PostgreSQL's (its postmaster's process tree).
 *
 * Bytes. feed + feed_readers with their indexes (SQLite: dbstat's pages; PostgreSQL:
 * pg_total_relation_size, after VACUUM), per prescription: of the "with" databases (real rows),
 * with the whole database's bytes a prescription with and without the feed; and of the read
 * databases below (many more rows, the same mix).
 *
 * Reads. A database per store grown to each of --sizes events: event rows cloned from the real
 * ones (their sizes as stored), each prescription's events spread among the others' as time
 * goes, 5,000 prescribers and 2,000 pharmacies, and for each size one prescriber with about
 * 10,000 events of its own; then feed_readers and feed built from the events by the statements
 * of the migrations (0005_feed, pg/0002_feed), a slice of seq at a time, in seq order as commits
 * write them. Timed through the store's own FeedStore:
 * - `page(actor, after, 100)` of 200 readers each one event behind its head (the long poll
 *   woken by a new event), and at its head (nothing new: a waiter's 5 s re-read);
 * - the pages of 100 of the long history, from 0 to its end (catching up);
 * - `readersSince(after, 10000)` with the 360 newest events after `after` (a hub's tick of
 *   200 ms at Germany's peak, 1,790 events a second), 200 times;
 * - `last()`; on PostgreSQL, the plans of readersSince's query (EXPLAIN ANALYZE, generic and custom).
 *
 *   node --import tsx bench/feed.ts [--sizes 100000,1000000] [--prescriptions 1000] [--concurrency 1,16] [--rounds 5] [--stores sqlite,pg] [--pg-url URL]
 */
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { OrdoClient } from '../src/client/client.js';
import { generateKey } from '../src/client/sign.js';
import { parseConfig } from '../src/config.js';
import { generateSigningJwk, loadSigner, loadTokenKey } from '../src/crypto/ordo-keys.js';
import { deriveLogKey } from '../src/keys-config.js';
import { nodeSuite } from '../src/node/crypto-suite.js';
import type { feedWrites } from '../src/store/feed-store.js';
import { openPostgres } from '../src/store/pg/open.js';
import { toPgPacked } from '../src/store/pg/schema.js';
import { PgStore } from '../src/store/pg/store.js';
import { openSqlite } from '../src/store/sqlite.js';
import type { Store, Transition } from '../src/store/types.js';
import { startCluster, type PgServer } from '../test/support/pg-cluster.js';
import { rxDocument } from './documents.js';
import { benchDatabaseName, createDatabase, dropDatabase, existingServer, pgStorage } from './postgres.js';

const root = join(import.meta.dirname, '..');
/** Germany's peak (issue 15): 2,390 mixed requests/s, 15 in 20 of them a write of one event. */
const PEAK_EVENTS_PER_SECOND = (2390 * 15) / 20;
/** The events a hub's tick (every 200 ms, src/service/feed-hub.ts) finds at the peak. */
const TICK_EVENTS = Math.round(PEAK_EVENTS_PER_SECOND / 5);
/** docs/performance.md: a prescription with its three events before the feed. */
const BYTES_BEFORE = { sqlite: 3000, pg: 3450 };
const LONG_HISTORY = 10_000;
const PRESCRIBERS = 5000;
const PHARMACIES = 2000;
/** Every fifth prescription goes to a second pharmacy. */
const SECOND_PHARMACY_EVERY = 5;
/** How many prescriptions later (in issue order) a prescription's next event comes, about. */
const LAG = 300;
const SAMPLES = 200;

type StoreName = 'sqlite' | 'pg';
type Options = { sizes: number[]; prescriptions: number; concurrency: number[]; rounds: number; stores: StoreName[]; pgUrl?: string; out: string };
type Variant = 'with' | 'without';
/** Milliseconds spent in the feed's statements (SQLite) or in the statements that carry them (PostgreSQL), as timed in the commits. */
type FeedTimes = { readers: number; rows: number; events: number; readerCalls: number; rowCalls: number; eventCalls: number };
const noTimes = (): FeedTimes => ({ readers: 0, rows: 0, events: 0, readerCalls: 0, rowCalls: 0, eventCalls: 0 });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const round2 = (x: number) => Math.round(x * 100) / 100;
const round1 = (x: number) => Math.round(x * 10) / 10;
/** A small deterministic generator (mulberry32), so that every run preloads the same rows. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleepTick = () => new Promise((r) => setImmediate(r));

// --- Transitions: made by the real app, recorded ---------------------------------------------

type Recorded = { prescriptions: Transition[][]; seconds: number; template: Database.Database; dir: string };

/** Issues `n` prescriptions (the mix above) through the real app on a scratch SQLite store, recording each commit's Transition. */
async function recordTransitions(n: number, say: (s: string) => void): Promise<Recorded> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-feed-'));
  const { store, db } = openSqlite(join(dir, 'record.db'), { migrationsFolder: join(root, 'drizzle'), packer: nodeSuite });
  let current: Transition[] = [];
  const commit = store.commit.bind(store);
  store.commit = (t) => {
    current.push(t);
    return commit(t);
  };
  const adminToken = randomBytes(32).toString('base64url');
  const tokenKey = randomBytes(32);
  const app = createApp({
    store,
    crypto: nodeSuite,
    config: parseConfig({ ORDO_ISSUER: 'https://ordo.bench' }),
    keys: { adminToken, signer: await loadSigner(await generateSigningJwk(), nodeSuite), retired: [], tokenKey: await loadTokenKey(tokenKey), logKey: await deriveLogKey(tokenKey, nodeSuite) },
    clock: Date.now,
    log: (line) => line.level === 'error' && console.error(line),
    clientAddress: () => '127.0.0.1',
  });
  const fetch = (url: string | URL | Request, init?: RequestInit) => Promise.resolve(app.fetch(new Request(url, init)));
  const ordo = new OrdoClient({ url: 'https://ordo.bench', adminToken, fetch: fetch as typeof globalThis.fetch });
  // Ids shaped as Ordo's directory holds them (11 digits: RPPS, FINESS).
  const actor = async (kind: 'prescriber' | 'pharmacy', i: number) => {
    const a = { id: `${kind === 'prescriber' ? '10' : '75'}${String(i).padStart(9, '0')}`, key: await generateKey() };
    await ordo.addActor({ id: a.id, kind, name: kind === 'prescriber' ? 'Dr Bench' : 'Pharmacie Bench', keys: [a.key.publicJwk] });
    return a;
  };
  const doctors = await Promise.all(Array.from({ length: 10 }, (_, i) => actor('prescriber', i + 1)));
  const pharmacies = await Promise.all(Array.from({ length: 10 }, (_, i) => actor('pharmacy', i + 1)));
  const prescriptions: Transition[][] = [];
  // One prescription at a time, so that every commit recorded belongs to the one in `current`.
  const one = async (k: number) => {
    const mine: Transition[] = [];
    current = mine;
    const step = <T>(f: () => Promise<T>) => f();
    const doctor = doctors[k % doctors.length]!;
    const first = pharmacies[k % pharmacies.length]!;
    const rx = await step(() => ordo.as(doctor).prescribe(rxDocument(1 + (k % 3), k)));
    const c = await step(() => ordo.as(first).claim(rx.code));
    let claim = c.claim.id;
    let dispenser = first;
    if (k % SECOND_PHARMACY_EVERY === SECOND_PHARMACY_EVERY - 1) {
      await step(() => ordo.as(first).release(claim, rx.id));
      dispenser = pharmacies[(k + 1) % pharmacies.length]!;
      claim = (await step(() => ordo.as(dispenser).claim(rx.code))).claim.id;
    }
    await step(() => ordo.as(dispenser).dispense(claim, rx.id, [{ item: 0, quantity: 1 }]));
    prescriptions.push(mine);
  };
  for (let k = 0; k < n; k++) {
    await one(k);
    if (k % 250 === 249) say(`  recorded ${k + 1} prescriptions`);
  }
  for (const [k, p] of prescriptions.entries()) {
    const expected = k % SECOND_PHARMACY_EVERY === SECOND_PHARMACY_EVERY - 1 ? 5 : 3;
    if (p.length !== expected) throw new Error(`prescription ${k}: ${p.length} transitions recorded, not ${expected}`);
  }
  return { prescriptions, seconds: (performance.now() - started) / 1000, template: db, dir };
}

// --- Writes -----------------------------------------------------------------------------------

type Round = { variant: Variant; commits: number; ms: number; cpuMs: number; dbCpuMs: number | null; times: FeedTimes };

/** Commits the prescriptions' transitions through `store.commit`: `lanes` at a time, each prescription's in order. */
async function replay(store: Store, prescriptions: Transition[][], lanes: number) {
  let next = 0;
  const lane = async () => {
    while (next < prescriptions.length) {
      const steps = prescriptions[next++]!;
      for (const t of steps) await store.commit(t);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

type Runnable = { run: (values?: Record<string, unknown>) => unknown };

/** On a SQLite store of openSqlite: its feed statements timed into `t` ("with") or doing nothing ("without"). */
function hookSqliteFeed(store: Store, variant: Variant, t: { current: FeedTimes }) {
  const prepared = (store as unknown as { feedWrites?: Partial<ReturnType<typeof feedWrites>> }).feedWrites?.prepared as unknown as Record<'reader' | 'rows', Runnable> | undefined;
  if (!prepared?.reader?.run || !prepared.rows?.run) throw new Error('the SQLite store has no feedWrites.prepared.{reader,rows}: bench/feed.ts follows src/store/sqlite.ts');
  for (const [k, time, calls] of [['reader', 'readers', 'readerCalls'], ['rows', 'rows', 'rowCalls']] as const) {
    const stmt = prepared[k];
    const run = stmt.run.bind(stmt);
    prepared[k] = {
      run:
        variant === 'without'
          ? () => ({ changes: 0, lastInsertRowid: 0 })
          : (values) => {
              const s = performance.now();
              try {
                return run(values);
              } finally {
                t.current[time] += performance.now() - s;
                t.current[calls]++;
              }
            },
    };
  }
}

/** The events' INSERT of src/store/pg/store.ts without what withFeedRows added: `WITH c AS (…) INSERT INTO events … VALUES …`. */
function withoutFeedRows(text: string) {
  const m = /^(WITH c AS \(.*?)\), e AS \(INSERT INTO events (.*) RETURNING seq, idx\) INSERT INTO feed \(actor_id, seq\) SELECT .*$/s.exec(text);
  if (!m) throw new Error(`the events' INSERT is not as bench/feed.ts knows it (src/store/pg/feed-store.ts withFeedRows): ${text.slice(0, 200)}`);
  return `${m[1]}) INSERT INTO events ${m[2]}`;
}

type QueryConfig = { name?: string; text: string; values?: unknown[] };

/**
 * A connection of the bench's pool: the readers' INSERT and the events' INSERT (with its feed
 * rows) timed into `t` as sent; on "without" the first answered at once and the second sent
 * without its feed rows.
 */
function hookPgClient(client: pg.PoolClient, variant: Variant, t: { current: FeedTimes }) {
  const query = client.query.bind(client) as unknown as (...a: unknown[]) => unknown;
  const timed = async (p: Promise<unknown>, time: 'readers' | 'events', calls: 'readerCalls' | 'eventCalls') => {
    const s = performance.now();
    try {
      return await p;
    } finally {
      t.current[time] += performance.now() - s;
      t.current[calls]++;
    }
  };
  (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
    const q = a[0] as QueryConfig;
    if (a.length !== 1 || typeof q !== 'object' || q === null || typeof q.name !== 'string') return query(...a);
    if (q.name.startsWith('ordo_insert_readers_')) {
      return timed(variant === 'without' ? Promise.resolve({ rowCount: 0, rows: [], command: 'INSERT' }) : (query(q) as Promise<unknown>), 'readers', 'readerCalls');
    }
    if (q.name.startsWith('ordo_insert_events_')) {
      const sent = variant === 'without' ? { ...q, name: q.name.replace('ordo_', 'ordo_nofeed_'), text: withoutFeedRows(q.text), values: q.values!.slice(0, -1) } : q;
      return timed(query(sent) as Promise<unknown>, 'events', 'eventCalls');
    }
    return query(...a);
  };
}

/** /proc: a process and its descendants. */
function processTree(pid: number): number[] {
  const children = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
  return [pid, ...children.flatMap(processTree)];
}
/** CPU seconds of the database server: utime + stime of its processes, and the postmaster's reaped children (as bench/run.ts counts it). */
const dbCpuSeconds = (pid: number) =>
  processTree(pid).reduce((sum, p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + (Number(f[11]) + Number(f[12]) + (p === pid ? Number(f[13]) + Number(f[14]) : 0)) / 100;
    } catch {
      return sum;
    }
  }, 0);

/** A database to commit into, hooked for one variant. */
type WriteTarget = { variant: Variant; store: Store; times: { current: FeedTimes }; bytes(): Promise<{ feed: number; readers: number; all: number; prescriptions: number }>; close(): Promise<void> };

function sqliteWriteTarget(dir: string, variant: Variant, tag: string): WriteTarget {
  const { store, db } = openSqlite(join(dir, `write-${tag}-${variant}.db`), { migrationsFolder: join(root, 'drizzle'), packer: nodeSuite });
  const times = { current: noTimes() };
  hookSqliteFeed(store, variant, times);
  return {
    variant, store, times,
    async bytes() {
      db.pragma('wal_checkpoint(TRUNCATE)');
      const b = sqliteFeedBytes(db);
      const all = (db.prepare('SELECT sum(pgsize) AS n FROM dbstat').get() as { n: number }).n;
      return { ...b, all, prescriptions: (db.prepare('SELECT count(*) AS n FROM prescriptions').get() as { n: number }).n };
    },
    async close() {
      store.close();
    },
  };
}

function sqliteFeedBytes(db: Database.Database) {
  const of = (table: string) => {
    const names = [table, ...(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?").all(table) as { name: string }[]).map((r) => r.name)];
    return (db.prepare(`SELECT coalesce(sum(pgsize), 0) AS n FROM dbstat WHERE name IN (${names.map(() => '?').join(', ')})`).get(...names) as { n: number }).n;
  };
  return { feed: of('feed'), readers: of('feed_readers') };
}

async function pgWriteTarget(server: PgServer, variant: Variant, lanes: number): Promise<WriteTarget> {
  const name = benchDatabaseName(`feed_${variant}_`);
  const url = await createDatabase(server, name);
  // Migrated as Ordo does at its start; then Ordo's store over the bench's pool (as openPostgres makes it).
  await (await openPostgres(url, { migrationsFolder: join(root, 'drizzle/pg'), packer: nodeSuite, poolSize: 1 })).close();
  const pool = new pg.Pool({ connectionString: url, max: lanes, connectionTimeoutMillis: 10_000, idle_in_transaction_session_timeout: 5000, keepAlive: true });
  pool.on('error', () => {});
  const times = { current: noTimes() };
  pool.on('connect', (client) => hookPgClient(client, variant, times));
  const store = new PgStore(pool, nodeSuite);
  return {
    variant, store, times,
    async bytes() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query('VACUUM (ANALYZE)');
        const size = async (t: string) => Number((await c.query('SELECT pg_total_relation_size($1::regclass)::bigint AS n', [t])).rows[0].n);
        const all = await pgStorage(url);
        return { feed: await size('feed'), readers: await size('feed_readers'), all: all.bytes, prescriptions: all.prescriptions };
      } finally {
        await c.end();
      }
    },
    async close() {
      await store.close();
      await dropDatabase(server, name);
    },
  };
}

type WriteResult = {
  store: StoreName; concurrency: number; rounds: number; prescriptionsPerRound: number; commitsPerRound: number;
  with: WriteSummary; without: WriteSummary;
  /** with / without, of the medians. */
  ratio: { commitsPerSecond: number; cpuPerCommit: number; dbCpuPerCommit: number | null };
  /** (with − without) of the medians, µs a commit. */
  feedCostUs: { wall: number; cpu: number; dbCpu: number | null };
  bytes: { feedBytesPerPrescription: number; readerBytesPerPrescription: number; bothPerPrescription: number; allWith: number; allWithout: number; prescriptions: number };
};
type WriteSummary = {
  commitsPerSecond: number; cpuUsPerCommit: number; dbCpuUsPerCommit: number | null; wallUsPerCommit: number;
  /** Medians over the rounds, µs a commit: the statements as timed (see the file's comment). */
  readersUsPerCommit: number; rowsUsPerCommit: number; eventsUsPerCommit: number;
  perRound: { commitsPerSecond: number; cpuUsPerCommit: number; dbCpuUsPerCommit: number | null }[];
};

async function measureWrites(name: StoreName, targets: () => Promise<[WriteTarget, WriteTarget]>, rec: Recorded, lanes: number, o: Options, dbPid: number | null, say: (s: string) => void): Promise<WriteResult> {
  const [a, b] = await targets();
  try {
    const per = Math.floor(rec.prescriptions.length / o.rounds);
    const rounds: Round[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const slice = rec.prescriptions.slice(r * per, (r + 1) * per);
      // Alternating which goes first, so that a drift of the machine's load falls on both.
      for (const t of r % 2 ? [b, a] : [a, b]) {
        t.times.current = noTimes();
        await sleepTick();
        const cpu = process.cpuUsage();
        const db0 = dbPid ? dbCpuSeconds(dbPid) : 0;
        const started = performance.now();
        await replay(t.store, slice, lanes);
        const ms = performance.now() - started;
        const used = process.cpuUsage(cpu);
        rounds.push({ variant: t.variant, commits: slice.reduce((n, p) => n + p.length, 0), ms, cpuMs: (used.user + used.system) / 1000, dbCpuMs: dbPid ? (dbCpuSeconds(dbPid) - db0) * 1000 : null, times: t.times.current });
      }
    }
    const summary = (v: Variant): WriteSummary => {
      const rs = rounds.filter((r) => r.variant === v);
      const perRound = rs.map((r) => ({ commitsPerSecond: round1((r.commits * 1000) / r.ms), cpuUsPerCommit: round1((r.cpuMs * 1000) / r.commits), dbCpuUsPerCommit: r.dbCpuMs === null ? null : round1((r.dbCpuMs * 1000) / r.commits) }));
      const us = (k: keyof FeedTimes) => round1(median(rs.map((r) => (r.times[k] * 1000) / r.commits)));
      return {
        commitsPerSecond: round1(median(perRound.map((p) => p.commitsPerSecond))),
        cpuUsPerCommit: round1(median(perRound.map((p) => p.cpuUsPerCommit))),
        dbCpuUsPerCommit: dbPid ? round1(median(perRound.map((p) => p.dbCpuUsPerCommit!))) : null,
        wallUsPerCommit: round1(median(rs.map((r) => (r.ms * 1000) / r.commits))),
        readersUsPerCommit: us('readers'), rowsUsPerCommit: us('rows'), eventsUsPerCommit: us('events'),
        perRound,
      };
    };
    const w = summary('with');
    const wo = summary('without');
    const bw = await a.bytes();
    const bwo = await b.bytes();
    const result: WriteResult = {
      store: name, concurrency: lanes, rounds: o.rounds, prescriptionsPerRound: per, commitsPerRound: rounds[0]!.commits,
      with: w, without: wo,
      ratio: { commitsPerSecond: round2(w.commitsPerSecond / wo.commitsPerSecond), cpuPerCommit: round2(w.cpuUsPerCommit / wo.cpuUsPerCommit), dbCpuPerCommit: w.dbCpuUsPerCommit === null ? null : round2(w.dbCpuUsPerCommit / wo.dbCpuUsPerCommit!) },
      feedCostUs: { wall: round1(w.wallUsPerCommit - wo.wallUsPerCommit), cpu: round1(w.cpuUsPerCommit - wo.cpuUsPerCommit), dbCpu: w.dbCpuUsPerCommit === null ? null : round1(w.dbCpuUsPerCommit - wo.dbCpuUsPerCommit!) },
      bytes: {
        feedBytesPerPrescription: round1(bw.feed / bw.prescriptions), readerBytesPerPrescription: round1(bw.readers / bw.prescriptions), bothPerPrescription: round1((bw.feed + bw.readers) / bw.prescriptions),
        allWith: Math.round(bw.all / bw.prescriptions), allWithout: Math.round(bwo.all / bwo.prescriptions), prescriptions: bw.prescriptions,
      },
    };
    const db = (x: number | null) => (x === null ? '' : `, database CPU ${x} µs`);
    say(`  ${name} ×${lanes}: with the feed ${w.commitsPerSecond} commits/s (CPU ${w.cpuUsPerCommit} µs a commit${db(w.dbCpuUsPerCommit)}), without ${wo.commitsPerSecond} (CPU ${wo.cpuUsPerCommit} µs${db(wo.dbCpuUsPerCommit)}): ×${result.ratio.commitsPerSecond} commits/s, ×${result.ratio.cpuPerCommit} CPU`);
    say(`    timed in the commits, µs a commit: readers' INSERT ${w.readersUsPerCommit}, feed rows ${name === 'sqlite' ? w.rowsUsPerCommit : `(in the events' INSERT: ${w.eventsUsPerCommit} with, ${wo.eventsUsPerCommit} without)`}`);
    say(`    bytes a prescription: feed ${result.bytes.feedBytesPerPrescription} + feed_readers ${result.bytes.readerBytesPerPrescription}; the whole database ${result.bytes.allWith} with, ${result.bytes.allWithout} without (${bw.prescriptions} prescriptions)`);
    return result;
  } finally {
    await a.close();
    await b.close();
  }
}

// --- Reads at scale ---------------------------------------------------------------------------

/** One event of the preload: its prescription (in issue order), its index, and which template event it copies. */
type Planned = { k: number; idx: number; slot: number };
type Plan = { events: Planned[]; prescribers: Int32Array; first: Int32Array; second: Int32Array; heavy: Map<number, number> };

/** Template events: slots 0–2 a prescription of one pharmacy, 3–7 one of two. */
type TemplateRow = Record<string, unknown> & { type: string; idx: number; actor: Uint8Array; claim: string | null };
function templates(db: Database.Database, rec: Recorded): TemplateRow[] {
  const idOf = (p: Transition[]) => {
    const t = p[0]!.prescription;
    return 'insert' in t ? t.insert.id : t.id;
  };
  const one = rec.prescriptions.find((p) => p.length === 3)!;
  const two = rec.prescriptions.find((p) => p.length === 5)!;
  const rows = (id: string) => db.prepare('SELECT * FROM events WHERE prescription_id = ? ORDER BY idx').all(id) as TemplateRow[];
  const all = [...rows(idOf(one)), ...rows(idOf(two))];
  if (all.length !== 8 || all.some((r) => !(r.actor instanceof Uint8Array))) throw new Error('template events: expected 3 + 5 packed events');
  return all;
}

const prescriberId = (i: number) => `10${String(1_000_000 + i).padStart(9, '0')}`;
const pharmacyId = (i: number) => `75${String(1_000_000 + i).padStart(9, '0')}`;
const heavyId = (size: number) => `10${String(900_000_000 + (size % 100_000_000)).padStart(9, '0')}`.slice(0, 11);

/**
 * The events of up to `total` events' worth of prescriptions, in the order they happen: each
 * prescription's next event about LAG prescriptions after its previous one. For each size, one
 * prescriber (heavyId) issues every m-th prescription below it, m such that it has about
 * LONG_HISTORY events.
 */
function plan(sizes: number[], random: () => number): Plan {
  const total = Math.max(...sizes);
  const perRx = (3 * (SECOND_PHARMACY_EVERY - 1) + 5) / SECOND_PHARMACY_EVERY;
  const n = Math.ceil(total / perRx) + 2 * LAG;
  const prescribers = new Int32Array(n);
  const first = new Int32Array(n);
  const second = new Int32Array(n);
  const heavy = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    prescribers[k] = Math.floor(random() * PRESCRIBERS);
    first[k] = Math.floor(random() * PHARMACIES);
    second[k] = (first[k]! + 1 + Math.floor(random() * (PHARMACIES - 1))) % PHARMACIES;
  }
  for (const [i, size] of [...sizes].sort((x, y) => x - y).entries()) {
    const below = Math.floor(size / perRx);
    const m = Math.max(2, Math.floor((below * perRx) / LONG_HISTORY));
    for (let k = (i * 7) % m; k < below; k += m) if (!heavy.has(k)) heavy.set(k, size);
  }
  const at: { k: number; idx: number; slot: number; t: number }[] = [];
  for (let k = 0; k < n; k++) {
    const two = k % SECOND_PHARMACY_EVERY === SECOND_PHARMACY_EVERY - 1;
    const count = two ? 5 : 3;
    let t = k;
    for (let idx = 0; idx < count; idx++) {
      at.push({ k, idx, slot: two ? 3 + idx : idx, t });
      t += LAG * (0.5 + random());
    }
  }
  at.sort((x, y) => x.t - y.t);
  return { events: at.slice(0, total).map(({ k, idx, slot }) => ({ k, idx, slot })), prescribers, first, second, heavy };
}

const prescriptionId = (k: number) => `FB${String(k).padStart(14, '0')}`;
/** The actor of a planned event: the prescriber at issue, else the pharmacy of that claim. */
function actorOf(p: Plan, e: Planned, tpl: TemplateRow[]) {
  const type = tpl[e.slot]!.type;
  if (type === 'issued') return p.heavy.has(e.k) ? heavyId(p.heavy.get(e.k)!) : prescriberId(p.prescribers[e.k]!);
  // Slots 3–7: released at 5, the second pharmacy's claim and dispensing at 6 and 7.
  return pharmacyId(e.slot >= 6 ? p.second[e.k]! : p.first[e.k]!);
}
/** The template's actor with the id replaced: kind ‖ kid ‖ id (store/codec.ts). */
function packedActor(tpl: TemplateRow, id: string) {
  const idBytes = Buffer.from(id, 'utf8');
  const out = Buffer.alloc(33 + idBytes.length);
  out.set(tpl.actor.subarray(0, 33), 0);
  out.set(idBytes, 33);
  return out;
}
const claimOf = (e: Planned) => (e.idx === 0 ? null : `c${e.k.toString(36)}${e.slot >= 6 ? 'b' : 'a'}`.padEnd(22, 'x'));
const T0 = Date.UTC(2026, 11, 1);
const atOf = (seq: number) => T0 + Math.round((seq * 1000) / PEAK_EVENTS_PER_SECOND);

type ReadTarget = {
  name: StoreName;
  store: Store;
  /** Adds the plan's events seq `from` to `to` (1-based), then their feed_readers and feed rows. */
  load(from: number, to: number): Promise<void>;
  /** One sql query's rows (`?` placeholders). */
  rows<T>(query: string, ...params: unknown[]): Promise<T[]>;
  bytes(): Promise<{ feed: number; readers: number }>;
  /** PostgreSQL: the plans of readersSince's query, generic (what a statement prepared by name may settle on) and custom. */
  explainReaders?(after: number, limit: number): Promise<Record<'generic' | 'custom', Plan_>>;
  close(): Promise<void>;
};
type Plan_ = { nodes: string[]; executionMs: number };
/** src/store/pg/feed-store.ts READERS (not exported), for EXPLAIN only. */
const PG_READERS_QUERY =
  'SELECT r.actor_id, e.seq FROM events e JOIN feed_readers r ON r.prescription_id = e.prescription_id AND e.idx >= r.since_idx WHERE e.seq > $1 ORDER BY e.seq LIMIT $2';
type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const nodesOf = (n: PlanNode): string[] => [`${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : n['Relation Name'] ? ` ${n['Relation Name']}` : ''}`, ...(n.Plans ?? []).flatMap(nodesOf)];

/** The migrations' statements (0005_feed), a slice of seq at a time: readers from the events issued and claimed in it, then the rows of its events. */
const SQLITE_READERS = `INSERT OR IGNORE INTO feed_readers (prescription_id, actor_id, since_idx)
  SELECT prescription_id, CAST(substr(actor, 34) AS TEXT), min(idx) FROM events WHERE seq BETWEEN ? AND ? AND type IN ('issued', 'claimed')
  GROUP BY prescription_id, CAST(substr(actor, 34) AS TEXT) ORDER BY min(seq)`;
const SQLITE_ROWS = `INSERT INTO feed (actor_id, seq) SELECT r.actor_id, e.seq FROM events e JOIN feed_readers r ON r.prescription_id = e.prescription_id AND e.idx >= r.since_idx
  WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq`;
const PG_READERS = `INSERT INTO feed_readers (prescription_id, actor_id, since_idx)
  SELECT prescription_id, convert_from(substring(actor from 35), 'UTF8'), min(idx) FROM events WHERE seq BETWEEN $1 AND $2 AND type IN ('issued', 'claimed')
  GROUP BY prescription_id, convert_from(substring(actor from 35), 'UTF8') ORDER BY min(seq) ON CONFLICT DO NOTHING`;
const PG_ROWS = SQLITE_ROWS.replace('BETWEEN ? AND ?', 'BETWEEN $1 AND $2');
const LOAD_SLICE = 50_000;

function sqliteReadTarget(dir: string, p: Plan, tpl: TemplateRow[]): ReadTarget {
  const { store, db } = openSqlite(join(dir, 'read.db'), { migrationsFolder: join(root, 'drizzle'), packer: nodeSuite });
  const cols = ['prescription_id', 'idx', 'seq', 'type', 'at', 'actor', 'claim', 'proof', 'proof_hash', 'prev_hash', 'hash', 'receipt', 'receipt_sig', 'receipt_signer', 'claimed_until'];
  const insert = db.prepare(`INSERT INTO events (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
  const readers = db.prepare(SQLITE_READERS);
  const rows = db.prepare(SQLITE_ROWS);
  return {
    name: 'sqlite',
    store,
    async load(from, to) {
      // Loading only: what is timed runs with Ordo's synchronous = FULL.
      db.pragma('synchronous = OFF');
      for (let lo = from; lo <= to; lo += LOAD_SLICE) {
        const hi = Math.min(to, lo + LOAD_SLICE - 1);
        db.transaction(() => {
          for (let seq = lo; seq <= hi; seq++) {
            const e = p.events[seq - 1]!;
            const t = tpl[e.slot]!;
            insert.run({ ...t, prescription_id: prescriptionId(e.k), idx: e.idx, seq, at: atOf(seq), actor: packedActor(t, actorOf(p, e, tpl)), claim: claimOf(e), hash: randomBytes(32) });
          }
          readers.run(lo, hi);
          rows.run(lo, hi);
        })();
      }
      db.pragma('synchronous = FULL');
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.exec('ANALYZE');
    },
    async rows<T>(query: string, ...params: unknown[]) {
      return db.prepare(query).all(...params) as T[];
    },
    async bytes() {
      return sqliteFeedBytes(db);
    },
    async close() {
      store.close();
    },
  };
}

async function pgReadTarget(server: PgServer, p: Plan, tpl: TemplateRow[]): Promise<ReadTarget> {
  const name = benchDatabaseName('feed_read_');
  const url = await createDatabase(server, name);
  const store = await openPostgres(url, { migrationsFolder: join(root, 'drizzle/pg'), packer: nodeSuite, poolSize: 2 });
  // The bench's own connection, for loading and sizes; Ordo's store has its pool.
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  const query = (text: string, values: unknown[] = []) => pool.query(text, values);
  const packedOrNull = (v: unknown) => (v === null || v === undefined ? null : toPgPacked(v as Uint8Array | string | number));
  await query('CREATE TABLE bench_template (slot int PRIMARY KEY, type text, proof bytea, proof_hash bytea, prev_hash bytea, receipt text, receipt_sig bytea, receipt_signer int, claimed_until bigint)');
  for (const [slot, t] of tpl.entries()) {
    await query('INSERT INTO bench_template VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [slot, t.type, packedOrNull(t.proof), packedOrNull(t.proof_hash), packedOrNull(t.prev_hash), t.receipt ?? null, packedOrNull(t.receipt_sig), t.receipt_signer ?? null, t.claimed_until ?? null]);
  }
  return {
    name: 'pg',
    store,
    async load(from, to) {
      for (let lo = from; lo <= to; lo += LOAD_SLICE) {
        const hi = Math.min(to, lo + LOAD_SLICE - 1);
        const ids: string[] = [], idx: number[] = [], seqs: number[] = [], slots: number[] = [], ats: Buffer[] = [], actors: Buffer[] = [], claims: (string | null)[] = [], hashes: Buffer[] = [];
        for (let seq = lo; seq <= hi; seq++) {
          const e = p.events[seq - 1]!;
          ids.push(prescriptionId(e.k)); idx.push(e.idx); seqs.push(seq); slots.push(e.slot); ats.push(toPgPacked(atOf(seq)));
          actors.push(toPgPacked(packedActor(tpl[e.slot]!, actorOf(p, e, tpl)))); claims.push(claimOf(e)); hashes.push(toPgPacked(randomBytes(32)));
        }
        const c = await pool.connect();
        try {
          // Loading only: the commits do not wait for the WAL's flush (the CHECKPOINT below makes it durable).
          await c.query('BEGIN');
          await c.query('SET LOCAL synchronous_commit = off');
          await c.query(
            `INSERT INTO events (prescription_id, idx, seq, type, at, actor, claim, proof, proof_hash, prev_hash, hash, receipt, receipt_sig, receipt_signer, claimed_until)
             SELECT u.id, u.idx, u.seq, t.type, u.at, u.actor, u.claim, t.proof, t.proof_hash, t.prev_hash, u.hash, t.receipt, t.receipt_sig, t.receipt_signer, t.claimed_until
             FROM unnest($1::text[], $2::int[], $3::bigint[], $4::int[], $5::bytea[], $6::bytea[], $7::text[], $8::bytea[]) AS u(id, idx, seq, slot, at, actor, claim, hash)
             JOIN bench_template t ON t.slot = u.slot ORDER BY u.seq`,
            [ids, idx, seqs, slots, ats, actors, claims, hashes],
          );
          await c.query(PG_READERS, [lo, hi]);
          await c.query(PG_ROWS, [lo, hi]);
          await c.query('UPDATE event_seq SET last = $1 WHERE id = 1', [hi]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => {});
          throw err;
        } finally {
          c.release();
        }
      }
      await query('VACUUM (ANALYZE) events, feed, feed_readers');
      await query('CHECKPOINT').catch(() => {});
    },
    async rows<T>(text: string, ...params: unknown[]) {
      let n = 0;
      return (await query(text.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
    },
    async bytes() {
      const size = async (t: string) => Number((await query('SELECT pg_total_relation_size($1::regclass)::bigint AS n', [t])).rows[0].n);
      return { feed: await size('feed'), readers: await size('feed_readers') };
    },
    async explainReaders(after, limit) {
      // One connection (the pool's one): PREPARE, the mode, and EXPLAIN EXECUTE on it.
      await query(`PREPARE bench_readers(bigint, bigint) AS ${PG_READERS_QUERY}`);
      try {
        const explain = async (mode: string): Promise<Plan_> => {
          await query(`SET plan_cache_mode = ${mode}`);
          const [{ 'QUERY PLAN': [plan] }] = (await query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE bench_readers(${after}, ${limit})`)).rows;
          return { nodes: nodesOf(plan.Plan), executionMs: round2(plan['Execution Time']) };
        };
        return { generic: await explain('force_generic_plan'), custom: await explain('force_custom_plan') };
      } finally {
        await query('RESET plan_cache_mode');
        await query('DEALLOCATE bench_readers');
      }
    },
    async close() {
      await store.close();
      await pool.end();
      await dropDatabase(server, name);
    },
  };
}

type Timing = { samples: number; medianUs: number; p99Us: number; maxUs: number; cpuUsPerCall: number };
async function timeCalls(calls: (() => Promise<unknown>)[]): Promise<Timing> {
  const us: number[] = [];
  const cpu = process.cpuUsage();
  for (const call of calls) {
    const s = performance.now();
    await call();
    us.push((performance.now() - s) * 1000);
  }
  const used = process.cpuUsage(cpu);
  return { samples: us.length, medianUs: round1(median(us)), p99Us: round1(quantile(us, 0.99)), maxUs: round1(Math.max(...us)), cpuUsPerCall: round1((used.user + used.system) / us.length) };
}
const shuffled = <T>(xs: T[], random: () => number) => {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
};

type ReadResult = {
  store: StoreName; events: number; feedRows: number; readers: number; prescriptions: number; loadSeconds: number;
  bytes: { feed: number; readers: number; feedPerPrescription: number; readersPerPrescription: number; perPrescription: number; perFeedRow: number; shareOfBefore: number };
  pageOneBehind: Timing; pageAtHead: Timing; longHistory: Timing & { events: number; pages: number; firstPage: Timing }; readersSince: Timing & { eventsPerTick: number; actorsPerTick: number }; last: Timing;
  readersPlan?: Record<'generic' | 'custom', Plan_>;
};

async function measureReads(t: ReadTarget, size: number, loadSeconds: number, o: Options, random: () => number, say: (s: string) => void): Promise<ReadResult> {
  const count = async (q: string, ...a: unknown[]) => Number((await t.rows<{ n: number | string }>(q, ...a))[0]!.n);
  const feedRows = await count('SELECT count(*) AS n FROM feed');
  const readers = await count('SELECT count(*) AS n FROM feed_readers');
  const prescriptions = await count('SELECT count(DISTINCT prescription_id) AS n FROM feed_readers');
  const b = await t.bytes();
  const f = t.store.feed;
  // 200 ordinary readers, half prescribers, half pharmacies, with at least two events; each one event behind its head, and at it.
  const candidates = shuffled([...Array.from({ length: SAMPLES }, (_, i) => prescriberId(Math.floor((i * PRESCRIBERS) / SAMPLES))), ...Array.from({ length: SAMPLES }, (_, i) => pharmacyId(Math.floor((i * PHARMACIES) / SAMPLES)))], random);
  const behind: { actor: string; after: number; head: number }[] = [];
  for (const actor of candidates) {
    if (behind.length >= SAMPLES) break;
    const last2 = await t.rows<{ seq: number | string }>('SELECT seq FROM feed WHERE actor_id = ? ORDER BY seq DESC LIMIT 2', actor);
    if (last2.length === 2) behind.push({ actor, after: Number(last2[1]!.seq), head: Number(last2[0]!.seq) });
  }
  const pageCalls = (after: (x: (typeof behind)[number]) => number, expect: number) =>
    [...behind, ...behind].map((x) => async () => {
      const page = await f.page(x.actor, after(x), 100);
      if (page.length !== expect) throw new Error(`page of ${x.actor} after ${after(x)}: ${page.length} events, not ${expect}`);
    });
  // Warm: one untimed pass of each, as a running server's caches would be.
  for (const c of pageCalls((x) => x.after, 1).slice(0, behind.length)) await c();
  const pageOneBehind = await timeCalls(pageCalls((x) => x.after, 1));
  const pageAtHead = await timeCalls(pageCalls((x) => x.head, 0));
  // The long history: its pages of 100 from the start, --rounds times.
  const heavy = heavyId(size);
  const heavyEvents = await count('SELECT count(*) AS n FROM feed WHERE actor_id = ?', heavy);
  const walk: (() => Promise<unknown>)[] = [];
  const firsts: (() => Promise<unknown>)[] = [];
  let pages = 0;
  {
    let after = 0;
    const cursors: number[] = [];
    for (;;) {
      const page = await f.page(heavy, after, 100);
      if (!page.length) break;
      cursors.push(after);
      after = page.at(-1)!.seq;
    }
    pages = cursors.length;
    for (let r = 0; r < o.rounds; r++) for (const c of cursors) walk.push(() => f.page(heavy, c, 100));
    for (let r = 0; r < SAMPLES; r++) firsts.push(() => f.page(heavy, 0, 100));
  }
  const longHistory = { ...(await timeCalls(walk)), events: heavyEvents, pages, firstPage: await timeCalls(firsts) };
  // A hub's tick at the peak: the 360 newest events (it reads everything after the last it saw).
  let actorsSeen = 0;
  const after = size - TICK_EVENTS;
  const readersSince = await timeCalls(Array.from({ length: SAMPLES }, () => async () => {
    const r = await f.readersSince(after, 10_000);
    if (r.last !== after + TICK_EVENTS) throw new Error(`readersSince(${after}): last ${r.last}, not ${after + TICK_EVENTS}`);
    actorsSeen += r.actors.length;
  }));
  const last = await timeCalls(Array.from({ length: SAMPLES }, () => () => f.last()));
  const readersPlan = await t.explainReaders?.(after, 10_000);
  const result: ReadResult = {
    store: t.name, events: size, feedRows, readers, prescriptions, loadSeconds: round1(loadSeconds),
    bytes: {
      feed: b.feed, readers: b.readers, feedPerPrescription: round1(b.feed / prescriptions), readersPerPrescription: round1(b.readers / prescriptions),
      perPrescription: round1((b.feed + b.readers) / prescriptions), perFeedRow: round1(b.feed / feedRows), shareOfBefore: round2((b.feed + b.readers) / prescriptions / BYTES_BEFORE[t.name]),
    },
    pageOneBehind, pageAtHead, longHistory, readersSince: { ...readersSince, eventsPerTick: TICK_EVENTS, actorsPerTick: round1(actorsSeen / SAMPLES) }, last,
    ...(readersPlan && { readersPlan }),
  };
  const tm = (x: Timing) => `${x.medianUs} µs (p99 ${x.p99Us}, CPU ${x.cpuUsPerCall})`;
  say(`  ${t.name} ${size.toLocaleString('en')} events (${feedRows.toLocaleString('en')} feed rows, ${prescriptions.toLocaleString('en')} prescriptions, loaded in ${result.loadSeconds} s): ${result.bytes.perPrescription} bytes a prescription (feed ${result.bytes.feedPerPrescription}, readers ${result.bytes.readersPerPrescription}; ${result.bytes.perFeedRow} a feed row)`);
  say(`    page one behind ${tm(pageOneBehind)}; at the head ${tm(pageAtHead)}`);
  say(`    long history (${heavyEvents.toLocaleString('en')} events, ${pages} pages of 100): a page ${tm(longHistory)}; the first page ${tm(longHistory.firstPage)}`);
  say(`    readersSince, ${TICK_EVENTS} events (${result.readersSince.actorsPerTick} readers): ${tm(readersSince)}; last() ${tm(last)}`);
  if (readersPlan) for (const [mode, p] of Object.entries(readersPlan)) say(`    readersSince's ${mode} plan (${p.executionMs} ms): ${p.nodes.join(' > ')}`);
  return result;
}

async function readsOf(t: ReadTarget, o: Options, random: () => number, say: (s: string) => void) {
  const results: ReadResult[] = [];
  let loaded = 0;
  for (const size of [...o.sizes].sort((x, y) => x - y)) {
    const started = performance.now();
    say(`  ${t.name}: loading events ${(loaded + 1).toLocaleString('en')}–${size.toLocaleString('en')}`);
    await t.load(loaded + 1, size);
    loaded = size;
    results.push(await measureReads(t, size, (performance.now() - started) / 1000, o, random, say));
  }
  return results;
}

// --- The run ----------------------------------------------------------------------------------

export async function runFeedBench(o: Options) {
  const say = (s: string) => console.log(s);
  const load = () => loadavg().map(round2);
  const loadAtStart = load();
  say(`Event feed: ${o.stores.join(', ')}; ${o.prescriptions} prescriptions of real transitions, lanes ${o.concurrency.join(', ')}, ${o.rounds} rounds; reads at ${o.sizes.map((n) => n.toLocaleString('en')).join(', ')} events; load average ${loadAtStart.join(' ')}`);
  const rec = await recordTransitions(o.prescriptions, say);
  const commits = rec.prescriptions.reduce((n, p) => n + p.length, 0);
  say(`Recorded ${commits} transitions of ${rec.prescriptions.length} prescriptions through the app in ${round1(rec.seconds)} s`);
  const tpl = templates(rec.template, rec);
  const random = prng(18);
  const thePlan = plan(o.sizes, random);
  const writes: WriteResult[] = [];
  const reads: ReadResult[] = [];
  try {
    for (const name of o.stores) {
      if (name === 'sqlite') {
        for (const lanes of o.concurrency) {
          writes.push(await measureWrites('sqlite', async () => [sqliteWriteTarget(rec.dir, 'with', String(lanes)), sqliteWriteTarget(rec.dir, 'without', String(lanes))], rec, lanes, o, null, say));
        }
        const t = sqliteReadTarget(rec.dir, thePlan, tpl);
        try {
          reads.push(...(await readsOf(t, o, random, say)));
        } finally {
          await t.close();
        }
      } else {
        const server: PgServer = o.pgUrl ? existingServer(o.pgUrl) : await startCluster({ prefix: 'ordo-bench-feed-pg-', settings: ['shared_buffers=256MB'] });
        try {
          for (const lanes of o.concurrency) {
            writes.push(await measureWrites('pg', async () => [await pgWriteTarget(server, 'with', lanes), await pgWriteTarget(server, 'without', lanes)], rec, lanes, o, server.postmasterPid, say));
          }
          const t = await pgReadTarget(server, thePlan, tpl);
          try {
            reads.push(...(await readsOf(t, o, random, say)));
          } finally {
            await t.close();
          }
        } finally {
          server.stop();
        }
      }
    }
  } finally {
    rec.template.close();
    rmSync(rec.dir, { recursive: true, force: true });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform, loadAverageAtStart: loadAtStart, loadAverageAtEnd: load() },
    options: { ...o, pgUrl: o.pgUrl ? 'given' : null, out: undefined },
    peakEventsPerSecond: PEAK_EVENTS_PER_SECOND, tickEvents: TICK_EVENTS,
    recorded: { prescriptions: rec.prescriptions.length, transitions: commits, seconds: round1(rec.seconds) },
    writes, reads,
  };
  const file = join(o.out, `feed-${result.date.slice(0, 16).replace(/[:T]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  say(`\nLoad average at the end: ${result.machine.loadAverageAtEnd.join(' ')}`);
  say(`Results: ${file}`);
  return { result, file };
}

const isMain = process.argv[1] && import.meta.filename === process.argv[1];
if (isMain) {
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const numbers = (s: string) => list(s).map(Number);
  const o = new Command('bench:feed')
    .description("Measure the event feed's bytes, write cost and read cost on SQLite and PostgreSQL; write bench/results/feed-<date>.json")
    .option('--sizes <list>', 'events preloaded for the reads, comma-separated (the database grown to each in turn)', numbers, [100_000, 1_000_000])
    .option('--prescriptions <n>', 'prescriptions made through the app for the writes (each 3 or 5 transitions)', Number, 1000)
    .option('--concurrency <list>', 'lanes committing at once, comma-separated', numbers, [1, 16])
    .option('--rounds <n>', 'rounds of writes (the prescriptions split among them) and of the long-history walk', Number, 5)
    .option('--stores <list>', 'sqlite, pg', (s) => list(s) as StoreName[], ['sqlite', 'pg'] as StoreName[])
    .option('--pg-url <url>', 'a PostgreSQL server (the bench creates and drops databases of its own there) instead of a throwaway cluster')
    .option('--out <dir>', 'where results go', join(root, 'bench/results'))
    .parse()
    .opts() as Options;
  if (o.stores.some((s) => s !== 'sqlite' && s !== 'pg')) throw new Error(`--stores: sqlite or pg, not ${o.stores.join(', ')}`);
  if ([...o.sizes, ...o.concurrency, o.prescriptions, o.rounds].some((n) => !Number.isSafeInteger(n) || n < 1) || o.sizes.some((s) => s < 2 * TICK_EVENTS + 10_000) || o.prescriptions < o.rounds) {
    throw new Error(`--sizes (at least ${2 * TICK_EVENTS + 10_000}), --prescriptions, --concurrency and --rounds are whole numbers; at least one prescription a round`);
  }
  await runFeedBench(o);
}
