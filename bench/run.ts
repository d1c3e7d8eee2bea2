/**
 * `npm run bench`: Ordo against a national peak and against the limit of its own parts.
 *
 * For each scale (prescriptions preloaded with their events) and each target (Ordo as `npm start`
 * runs it on SQLite; Ordo on PostgreSQL with 1 and 2 processes, pg1 and pg2; and the bare
 * node:http baseline of bench/bare.ts), a fresh database and a child process; then each scenario
 * is driven over HTTP by closed-loop virtual users on an undici Pool, from this process, on the
 * same machine. Reported per run: requests/s, p50/p95/p99, errors, the server's CPU and peak RSS,
 * on PostgreSQL the database server's CPU too, and this driver's own CPU. Then ratios Ordo/bare,
 * PostgreSQL/SQLite and large/small scale, bytes per prescription, a JSON file and an SVG chart
 * in bench/results/.
 *
 * PostgreSQL (bench/postgres.ts): a throwaway cluster started once for the run when a pg target
 * is chosen (or the server of --pg-url), per scale a template database preloaded from the same
 * SQLite seed, and per target a copy of it, dropped after.
 *
 * What the driver can sign in advance it does (documents, claim and cancel tokens), so that
 * signing does not compete with the server for the two cores; a dispensing record names the
 * claim it answers, so it is signed when the claim comes back.
 */
import { Command, Option } from 'commander';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { exportJWK, generateKeyPair, calculateJwkThumbprint } from 'jose';
import { generateKey, signDocument, signRequestToken, type SigningKey } from '../src/client/sign.js';
import { rxDocument } from './documents.js';
import { makeTemplate, preload, storagePerPrescription, tracedBytes, type Template } from './preload.js';
import { writeChart } from './chart.js';
import { benchDatabaseName, createDatabase, dropDatabase, existingServer, pgStorage, preloadPostgres } from './postgres.js';
import { startCluster, withDatabase, type PgServer } from '../test/support/pg-cluster.js';
import { isPostgresUrl, redactedUrl } from '../src/lib/postgres-url.js';

const root = join(import.meta.dirname, '..');
export const SCENARIOS = ['issue', 'claim+dispense', 'lookup', 'mixed'] as const;
type Scenario = (typeof SCENARIOS)[number];
export const TARGETS = ['ordo', 'pg1', 'pg2', 'bare'] as const;
type TargetName = (typeof TARGETS)[number];
/** The PostgreSQL targets, with Ordo's processes (ORDO_WORKERS). */
const PG_WORKERS: Partial<Record<TargetName, number>> = { pg1: 1, pg2: 2 };
const isPg = (t: TargetName) => PG_WORKERS[t] !== undefined;

export type Options = {
  duration: number; connections: number; scales: number[]; scenarios: Scenario[]; targets: TargetName[]; out: string; actors: number; warmup: number; cpuProf: boolean; quiet: boolean;
  /** A PostgreSQL server to use (its URL, to a database it may connect to) instead of starting one; the bench creates and drops its own databases there. */
  pgUrl?: string;
};

// ---------------------------------------------------------------- targets

/** `db`: the SQLite file, or the PostgreSQL URL; `dbPid`: the PostgreSQL postmaster, when it is the bench's own cluster. */
type Target = { name: TargetName; child: ChildProcess; origin: string; issuer: string; adminToken: string | null; db: string; dir: string; dbPid: number | null };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startTarget(name: TargetName, dir: string, db: string, o: Options, template: Template, dbPid: number | null = null): Promise<Target> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = { ...process.env as Record<string, string>, PORT: String(port), ORDO_DB: db, ORDO_ISSUER: origin, NODE_ENV: 'production' };
  let args: string[];
  const profile = o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(o.out, 'profiles')}`] : [];
  if (name !== 'bare') {
    // pg1, pg2: ORDO_DB is the database's URL, each process commits its own (ORDO_PG_POOL: its default).
    if (isPg(name)) env.ORDO_WORKERS = String(PG_WORKERS[name]);
    env.ORDO_SECRETS = join(dir, 'secrets');
    // The keys the preloaded rows were sealed and signed with: Ordo checks them against the database.
    env.ORDO_TOKEN_KEY = template.secrets.tokenKey;
    env.ORDO_SIGNING_KEY = template.secrets.signingKey;
    args = ['--import', 'tsx', ...profile, join(root, 'src/node.ts')];
  } else {
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const { d: _d, ...pub } = jwk;
    env.BARE_STATE = JSON.stringify({ signingJwk: jwk, tokenKey: randomBytes(32).toString('base64url'), kid: await calculateJwkThumbprint(pub) });
    args = ['--import', 'tsx', ...profile, join(root, 'bench/bare.ts')];
  }
  // The request log goes where a deployment's would, off the terminal: its cost is still paid.
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || i > 300) throw new Error(`${name} did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const adminToken = name !== 'bare' ? readFileSync(join(dir, 'secrets', 'admin-token'), 'utf8').trim() : null;
  return { name, child, origin, issuer: origin, adminToken, db, dir, dbPid };
}

/** The servers running now: killed if the bench is interrupted (SIGINT, SIGTERM) while PostgreSQL is stopped. */
const live = new Set<ChildProcess>();

async function stopTarget(t: Target) {
  if (t.child.exitCode !== null) return;
  const exited = new Promise((r) => t.child.once('exit', r));
  t.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (t.child.exitCode === null) t.child.kill('SIGKILL');
}

/** CPU time the hypervisor gave to others (steal) and in all, from /proc/stat, in clock ticks. */
function machineTicks(): { steal: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { steal: f[7] ?? 0, total: f.reduce((a, b) => a + b, 0) };
}

/** A process and its children (Ordo's cluster workers), from /proc (Linux). */
function processTree(pid: number): number[] {
  const children = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const ppid = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      return ppid === pid ? [Number(d)] : [];
    } catch {
      return [];
    }
  });
  return [pid, ...children.flatMap(processTree)];
}
/** utime + stime of a process tree, in seconds. */
const cpuSeconds = (pid: number) =>
  processTree(pid).reduce((sum, p) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100;
  }, 0);
/**
 * CPU time of the database server (the postmaster and its backends, background writer,
 * checkpointer, autovacuum…), in seconds: utime + stime of each, and the postmaster's cutime +
 * cstime, where the time of a backend that exits goes once it is reaped (connections and
 * autovacuum workers come and go: one that vanishes while being read is skipped).
 */
const dbCpuSeconds = (pid: number) =>
  processTree(pid).reduce((sum, p) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const reaped = p === pid ? Number(fields[13]) + Number(fields[14]) : 0;
      return sum + (Number(fields[11]) + Number(fields[12]) + reaped) / 100;
    } catch {
      return sum;
    }
  }, 0);
/** The sum of the processes' peak resident sizes, in MB. */
const peakRssMb = (pid: number) => processTree(pid).reduce((sum, p) => sum + Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]) / 1024, 0);
const resetPeakRss = (pid: number) => {
  for (const p of processTree(pid)) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      /* not permitted: the peak then covers the process's whole life */
    }
  }
};

// ---------------------------------------------------------------- requests

type Req = { method: 'GET' | 'POST'; path: string; body?: string; headers: Record<string, string>; rx?: Issued };
type Actor = { id: string; key: SigningKey };

async function signed(t: Target, actor: Actor, path: string, body: unknown, sub?: string): Promise<Req> {
  const text = JSON.stringify(body);
  const token = await signRequestToken({ key: actor.key, iss: actor.id, aud: t.issuer, method: 'POST', path, body: text, sub, lifetime: 300 });
  return { method: 'POST', path, body: text, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
}

let docSeq = 0;
async function issueRequest(t: Target, doctor: Actor): Promise<Req> {
  const n = docSeq++;
  const payload = { iss: doctor.id, aud: t.issuer, jti: `rx-${n}-${randomBytes(6).toString('hex')}`, iat: Math.floor(Date.now() / 1000), ...rxDocument(1 + (n % 3), n) };
  return signed(t, doctor, '/v1/prescriptions', { prescription: await signDocument(doctor.key, 'ordo-rx+jwt', payload) });
}

const claimRequest = async (t: Target, pharmacy: Actor, rx: Issued): Promise<Req> => ({ ...(await signed(t, pharmacy, '/v1/claims', { code: rx.payload }, rx.id)), rx });
const cancelRequest = (t: Target, doctor: Actor, rx: Issued) => signed(t, doctor, `/v1/prescriptions/${rx.id}/cancel`, { reason: 'Erreur de posologie, ordonnance refaite.', salt: randomBytes(16).toString('base64url') }, rx.id);

async function dispenseRequest(t: Target, pharmacy: Actor, rx: Issued, claimId: string): Promise<Req> {
  const record = {
    iss: pharmacy.id, aud: t.issuer, jti: `d-${randomBytes(9).toString('base64url')}`, iat: Math.floor(Date.now() / 1000), prescription: rx.id, claim: claimId,
    dispensedBy: { name: 'Paul Hamon' }, identityCheck: 'vitale',
    lines: [{ item: 0, quantity: 1, substitution: null, lot: 'A123', expiry: '2028-05', reason: null }],
  };
  return signed(t, pharmacy, `/v1/claims/${claimId}/dispense`, { dispensation: await signDocument(pharmacy.key, 'ordo-dispense+jwt', record) }, rx.id);
}

const releaseRequest = (t: Target, pharmacy: Actor, rx: Issued, claimId: string) => signed(t, pharmacy, `/v1/claims/${claimId}/release`, { salt: randomBytes(16).toString('base64url') }, rx.id);

// ---------------------------------------------------------------- the driver

type Issued = { id: string; payload: string; owner: Actor };
type Stats = { requests: number; errors: number; latencies: number[]; errorSamples: string[] };

/** One HTTP exchange, timed; a non-2xx is an error (the body kept for the first few). */
async function send(pool: Pool, req: Req, stats: Stats): Promise<any> {
  const started = performance.now();
  const res = await pool.request({ method: req.method, path: req.path, body: req.body, headers: req.headers });
  const text = await res.body.text();
  stats.latencies.push(performance.now() - started);
  stats.requests++;
  if (res.statusCode >= 300) {
    stats.errors++;
    if (stats.errorSamples.length < 5) stats.errorSamples.push(`${req.method} ${req.path} → ${res.statusCode} ${text.slice(0, 200)}`);
    return null;
  }
  return JSON.parse(text);
}

/** A queue of requests signed in advance; `next` signs on the spot once it runs dry. */
class Presigned {
  private items: Req[] = [];
  fallbacks = 0;
  constructor(private readonly make: () => Promise<Req>) {}
  async fill(n: number) {
    for (let i = 0; i < n; i++) this.items.push(await this.make());
  }
  async next(): Promise<Req> {
    const r = this.items.pop();
    if (r) return r;
    this.fallbacks++;
    return this.make();
  }
}

type World = { t: Target; pool: Pool; doctors: Actor[]; pharmacies: Actor[]; lookups: Issued[] };

/** Issues `n` prescriptions for setup (not measured), 8 at a time; `owner` acts on them later, `by` prescribes them. */
async function issueMany(w: World, n: number, owner: (i: number) => Actor, by: (i: number) => Actor = (i) => w.doctors[i % w.doctors.length]!): Promise<Issued[]> {
  const out: Issued[] = [];
  const stats: Stats = { requests: 0, errors: 0, latencies: [], errorSamples: [] };
  let i = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (i < n) {
      const k = i++;
      const r = await send(w.pool, await issueRequest(w.t, by(k)), stats);
      if (!r) throw new Error(`setup issue failed: ${stats.errorSamples[0]}`);
      out.push({ id: r.id, payload: r.payload, owner: owner(k) });
    }
  }));
  return out;
}

type Plan = { prepare: () => Promise<void>; iteration: (vu: number, stats: Stats) => Promise<void>; fallbacks: () => number };

async function plan(scenario: Scenario, w: World, o: Options): Promise<Plan> {
  const C = o.connections;
  // How many requests a scenario may need: enough for a fast bare server; beyond, signed on the spot.
  const budget = Math.max(500, Math.round(o.duration * 2500));
  const issues = new Presigned(() => issueRequest(w.t, w.doctors[docSeq % w.doctors.length]!));
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const lookup = (): Req => ({ method: 'POST', path: '/v1/lookup', body: JSON.stringify({ code: pick(w.lookups).payload }), headers: { 'content-type': 'application/json' } });

  // Each virtual user owns its prescriptions and its pharmacy: no two users contend for a claim.
  const owned: Issued[][] = [];
  const claims: Presigned[] = [];
  const cancels: Presigned[] = [];
  /**
   * Each user's prescriptions, enough for `claimsPerVu` claim + dispense cycles: one pharmacy may
   * record 80 events on one prescription (design § Bounds), two a cycle, so 35 cycles each.
   */
  const setupOwned = async (claimsPerVu: number) => {
    const perVu = Math.max(2, Math.ceil(claimsPerVu / 35));
    for (let vu = 0; vu < C; vu++) {
      const pharmacy = w.pharmacies[vu % w.pharmacies.length]!;
      owned[vu] = await issueMany(w, perVu, () => pharmacy);
      let k = 0;
      claims[vu] = new Presigned(() => claimRequest(w.t, pharmacy, owned[vu]![k++ % perVu]!));
    }
  };
  /** A claim, then the step that ends it (signed once the claim's id is known). */
  const claimThen = (then: typeof dispenseRequest) => async (vu: number, stats: Stats) => {
    const req = await claims[vu]!.next();
    const rx = req.rx!;
    const c = await send(w.pool, req, stats);
    if (c) await send(w.pool, await then(w.t, rx.owner, rx, c.claim.id), stats);
  };
  const claimAndDispense = claimThen(dispenseRequest);
  const claimAndRelease = claimThen(releaseRequest);

  switch (scenario) {
    case 'issue':
      return {
        prepare: () => issues.fill(budget),
        iteration: async (_vu, stats) => void (await send(w.pool, await issues.next(), stats)),
        fallbacks: () => issues.fallbacks,
      };
    case 'lookup':
      return { prepare: async () => {}, iteration: async (_vu, stats) => void (await send(w.pool, lookup(), stats)), fallbacks: () => 0 };
    case 'claim+dispense':
      return {
        prepare: async () => {
          await setupOwned(Math.ceil(budget / 2 / C));
          await Promise.all(claims.map((c) => c.fill(Math.ceil(budget / 2 / C))));
        },
        iteration: claimAndDispense,
        fallbacks: () => claims.reduce((s, c) => s + c.fallbacks, 0),
      };
    case 'mixed': {
      // A national service's mix, per 20 requests: 4 issues, 5 lookups, 5 claims, 4 dispenses,
      // 1 release and 1 cancel.
      const cycles = Math.ceil(budget / 20 / C);
      return {
        prepare: async () => {
          await setupOwned(cycles * 5);
          for (let vu = 0; vu < C; vu++) {
            const doctor = w.doctors[vu % w.doctors.length]!;
            const toCancel = await issueMany(w, Math.min(cycles, 400), () => doctor, () => doctor);
            let k = 0;
            cancels[vu] = new Presigned(async () => {
              const rx = toCancel[k++] ?? (await issueMany(w, 1, () => doctor, () => doctor))[0]!;
              return cancelRequest(w.t, doctor, rx);
            });
            await cancels[vu]!.fill(toCancel.length);
            await claims[vu]!.fill(cycles * 5);
          }
          await issues.fill(Math.min(cycles * C * 4, 40_000));
        },
        iteration: async (vu, stats) => {
          for (let i = 0; i < 4; i++) {
            await send(w.pool, await issues.next(), stats);
            await claimAndDispense(vu, stats);
            await send(w.pool, lookup(), stats);
          }
          await claimAndRelease(vu, stats);
          await send(w.pool, lookup(), stats);
          await send(w.pool, await cancels[vu]!.next(), stats);
        },
        fallbacks: () => issues.fallbacks + claims.reduce((s, c) => s + c.fallbacks, 0) + cancels.reduce((s, c) => s + c.fallbacks, 0),
      };
    }
  }
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export type RunResult = {
  scale: number; target: TargetName; scenario: Scenario; seconds: number; requests: number; rps: number; errors: number; errorSamples: string[];
  p50: number; p95: number; p99: number; serverCpuPercent: number;
  /** The server's CPU time (its whole process tree: Ordo's processes) per request served, in µs. */
  cpuUsPerRequest: number;
  /**
   * On PostgreSQL, the database server's CPU meanwhile (the bench's own cluster: its whole
   * process tree), as a share of one core and per request in µs; null on SQLite (in Ordo's
   * processes) and with --pg-url (a server whose other work the bench cannot tell apart).
   */
  dbCpuPercent: number | null;
  dbCpuUsPerRequest: number | null;
  /** Ordo's and the database's CPU per request, in µs: on SQLite and bare the same as cpuUsPerRequest; null with --pg-url. */
  totalCpuUsPerRequest: number | null;
  peakRssMb: number; driverCpuPercent: number; signedOnTheSpot: number;
  /** Share of the machine's CPU time the hypervisor gave to other guests meanwhile: high means a noisy run. */
  stealPercent: number;
};

async function measure(scenario: Scenario, w: World, o: Options, progress: (s: string) => void): Promise<RunResult> {
  const p = await plan(scenario, w, o);
  progress('signing ahead');
  await p.prepare();
  const loop = async (until: number, stats: Stats) => {
    await Promise.all(Array.from({ length: o.connections }, async (_, vu) => {
      while (performance.now() < until) await p.iteration(vu, stats);
    }));
  };
  if (o.warmup > 0) {
    progress('warming up');
    await loop(performance.now() + o.warmup * 1000, { requests: 0, errors: 0, latencies: [], errorSamples: [] });
  }
  const pid = w.t.child.pid!;
  resetPeakRss(pid);
  const stats: Stats = { requests: 0, errors: 0, latencies: [], errorSamples: [] };
  const dbPid = w.t.dbPid;
  const cpu0 = cpuSeconds(pid);
  const db0 = dbPid === null ? 0 : dbCpuSeconds(dbPid);
  const ticks0 = machineTicks();
  const driver0 = process.cpuUsage();
  const t0 = performance.now();
  const ticker = setInterval(() => progress(`${stats.requests} requests, ${Math.round(stats.requests / ((performance.now() - t0) / 1000))}/s`), 500);
  await loop(t0 + o.duration * 1000, stats);
  clearInterval(ticker);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const dbCpu = dbPid === null ? null : dbCpuSeconds(dbPid) - db0;
  const ticks = machineTicks();
  const d = process.cpuUsage(driver0);
  const sorted = stats.latencies.sort((a, b) => a - b);
  const perRequest = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, stats.requests));
  const onPg = isPg(w.t.name);
  return {
    scale: 0, target: w.t.name, scenario, seconds: round(seconds, 2), requests: stats.requests, rps: round(stats.requests / seconds), errors: stats.errors, errorSamples: stats.errorSamples,
    p50: round(percentile(sorted, 50), 2), p95: round(percentile(sorted, 95), 2), p99: round(percentile(sorted, 99), 2),
    serverCpuPercent: round((cpu / seconds) * 100), cpuUsPerRequest: perRequest(cpu),
    dbCpuPercent: dbCpu === null ? null : round((dbCpu / seconds) * 100), dbCpuUsPerRequest: dbCpu === null ? null : perRequest(dbCpu),
    totalCpuUsPerRequest: !onPg ? perRequest(cpu) : dbCpu === null ? null : perRequest(cpu + dbCpu),
    peakRssMb: round(peakRssMb(pid)), driverCpuPercent: round(((d.user + d.system) / 1e6 / seconds) * 100), signedOnTheSpot: p.fallbacks(),
    stealPercent: round(((ticks.steal - ticks0.steal) / Math.max(1, ticks.total - ticks0.total)) * 100),
  };
}

// ---------------------------------------------------------------- the run

export async function runBench(o: Options) {
  const log = (s: string) => o.quiet || process.stderr.write(`${s}\n`);
  const status = (s: string) => o.quiet || process.stderr.write(`\r\x1b[2K  ${s}`);
  mkdirSync(o.out, { recursive: true });
  log(`Ordo benchmark: ${o.scenarios.join(', ')} × ${o.targets.join(', ')} × ${o.scales.map((s) => s.toLocaleString('en')).join(', ')} preloaded; ${o.duration} s, ${o.connections} connections`);
  const template: Template = await makeTemplate();
  const runs: RunResult[] = [];
  type Bytes = { bytes: number; prescriptions: number; bytesPerPrescription: number };
  /**
   * Per scale and target, after the runs (SQLite: the file's pages; PostgreSQL: the public tables
   * with their indexes and TOAST), and `afterPreload` the same before the target started.
   * `preloadSeconds`: on SQLite the seed's preload; on PostgreSQL copying that seed into the
   * template database, and `copySeconds` the template's copy for this target.
   */
  const storage: ({ scale: number; target: TargetName; preloadSeconds: number; copySeconds?: number; afterPreload: Bytes } & Bytes)[] = [];
  /** Per scale, the preloaded database before any run: each prescription with its three events (dbstat); `postgres`, the template database once preloaded. */
  const preloaded: ({ scale: number; preloadSeconds: number; postgres?: { preloadSeconds: number; bytes: number; perPrescription: number } } & ReturnType<typeof tracedBytes>)[] = [];
  const actors = { doctors: [] as Actor[], pharmacies: [] as Actor[] };
  for (let i = 0; i < o.actors; i++) {
    actors.doctors.push({ id: `1000${String(i).padStart(7, '0')}`, key: await generateKey() });
    actors.pharmacies.push({ id: `75${String(i).padStart(7, '0')}`, key: await generateKey() });
  }

  /** Registers the actors, issues the lookups' prescriptions, and measures every scenario on `t`. */
  const runScenarios = async (t: Target, scale: number) => {
    const pool = new Pool(t.origin, { connections: o.connections, pipelining: 1 });
    try {
      const admin = { 'content-type': 'application/json', ...(t.adminToken && { authorization: `Bearer ${t.adminToken}` }) };
      for (const [kind, list] of [['prescriber', actors.doctors], ['pharmacy', actors.pharmacies]] as const) {
        for (const a of list) {
          const res = await pool.request({ method: 'POST', path: '/v1/admin/actors', headers: admin, body: JSON.stringify({ id: a.id, kind, name: `${kind} ${a.id}`, keys: [a.key.publicJwk] }) });
          await res.body.text();
          if (res.statusCode !== 201) throw new Error(`adding actor ${a.id}: ${res.statusCode}`);
        }
      }
      const w: World = { t, pool, ...actors, lookups: [] };
      w.lookups = await issueMany(w, o.quiet ? 50 : 500, (i) => actors.pharmacies[i % actors.pharmacies.length]!);
      for (const scenario of o.scenarios) {
        const r = await measure(scenario, w, o, (s) => status(`${scenario}: ${s}`));
        r.scale = scale;
        runs.push(r);
        status('');
        const db = r.dbCpuPercent === null ? '' : `  database CPU ${r.dbCpuPercent}% (${r.dbCpuUsPerRequest} µs a request; ${r.totalCpuUsPerRequest} µs with Ordo's)`;
        log(`\r\x1b[2K  ${scenario.padEnd(15)} ${String(r.rps).padStart(8)} req/s  p50 ${r.p50} ms  p95 ${r.p95} ms  p99 ${r.p99} ms  errors ${r.errors}  server CPU ${r.serverCpuPercent}% (${r.cpuUsPerRequest} µs a request)${db}  peak RSS ${r.peakRssMb} MB  driver CPU ${r.driverCpuPercent}%  steal ${r.stealPercent}%`);
        for (const e of r.errorSamples) log(`    ${e}`);
      }
    } finally {
      await pool.close();
      await stopTarget(t);
    }
  };

  // PostgreSQL once for the run, only when a pg target is chosen; stopped whatever happens.
  let server: PgServer | null = null;
  const stopServer = () => {
    const s = server;
    server = null;
    s?.stop();
  };
  const interrupted = (signal: NodeJS.Signals) => {
    for (const child of live) child.kill('SIGKILL');
    stopServer();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const pgTargets = o.targets.filter(isPg);
  try {
    if (pgTargets.length) {
      process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
      server = o.pgUrl ? existingServer(o.pgUrl) : await startCluster({ prefix: 'ordo-bench-pg-', settings: ['max_connections=200', 'shared_buffers=256MB'] });
      log(o.pgUrl ? `PostgreSQL: ${redactedUrl(o.pgUrl)} (given: its CPU is not measured)` : `PostgreSQL: a cluster of its own on ${new URL(server.url).host} (postmaster ${server.postmasterPid}), fsync on`);
    }
    for (const scale of o.scales) {
      // One preload per scale, copied for each target (all start from the same rows).
      const seedDir = mkdtempSync(join(tmpdir(), 'ordo-bench-seed-'));
      let pgTemplate: string | null = null;
      try {
        const seed = join(seedDir, 'seed.db');
        log(`\nPreloading ${scale.toLocaleString('en')} prescriptions`);
        const preloadSeconds = preload(seed, template, scale, (n) => status(`preloading ${n.toLocaleString('en')} / ${scale.toLocaleString('en')}`));
        status(`preloaded in ${round(preloadSeconds)} s`);
        log('');
        const traced = tracedBytes(seed);
        const entry: (typeof preloaded)[number] = { scale, preloadSeconds: round(preloadSeconds), ...traced };
        preloaded.push(entry);
        log(`  ${traced.perPrescription.toLocaleString('en')} bytes a prescription with its three events (dbstat: ${Object.entries(traced.tables).map(([k, v]) => `${k} ${v}`).join(', ')}, indexes ${traced.indexes})`);
        let pgPreloadSeconds = 0;
        if (server) {
          // The same rows, read back from the seed, into a template database that each pg target's is copied from.
          const name = benchDatabaseName('tmpl_');
          pgTemplate = name;
          await createDatabase(server, name);
          pgPreloadSeconds = await preloadPostgres(withDatabase(server.url, name), seed, (table, n, of) => status(`PostgreSQL: ${table} ${n.toLocaleString('en')} / ${of.toLocaleString('en')}`));
          const s = await pgStorage(withDatabase(server.url, name));
          entry.postgres = { preloadSeconds: round(pgPreloadSeconds), bytes: s.bytes, perPrescription: s.perPrescription };
          status('');
          log(`\r\x1b[2K  PostgreSQL: copied from the seed in ${round(pgPreloadSeconds)} s; ${s.perPrescription.toLocaleString('en')} bytes a prescription (tables with their indexes and TOAST)`);
        }
        for (const target of o.targets) {
          const dir = mkdtempSync(join(tmpdir(), `ordo-bench-${target}-`));
          let pgDatabase: string | null = null;
          try {
            log(`${target}, ${scale.toLocaleString('en')} prescriptions preloaded`);
            // Everything written so far on disk before a target starts (the PostgreSQL preload, the
            // previous target's database): otherwise its writeback competes with this target's
            // flushes (measured: SQLite's writes at half speed right after a PostgreSQL preload).
            execFileSync('sync');
            if (isPg(target)) {
              const name = benchDatabaseName();
              pgDatabase = name;
              const copyStarted = performance.now();
              const url = await createDatabase(server!, name, pgTemplate!);
              const copySeconds = (performance.now() - copyStarted) / 1000;
              const before = await pgStorage(url);
              const t = await startTarget(target, dir, url, o, template, server!.postmasterPid);
              live.add(t.child);
              try {
                await runScenarios(t, scale);
              } finally {
                live.delete(t.child);
              }
              const s = await pgStorage(url);
              storage.push({
                scale, target, preloadSeconds: round(pgPreloadSeconds), copySeconds: round(copySeconds, 2),
                afterPreload: { bytes: before.bytes, prescriptions: before.prescriptions, bytesPerPrescription: before.perPrescription },
                bytes: s.bytes, prescriptions: s.prescriptions, bytesPerPrescription: s.perPrescription,
              });
            } else {
              mkdirSync(join(dir, 'data'));
              const db = join(dir, 'data', 'ordo.db');
              copyFileSync(seed, db);
              // On disk before the server starts: otherwise the kernel writes the copy back during the
              // first scenarios, and every commit's flush waits behind it (measured: writes at half speed).
              const fd = openSync(db, 'r+');
              fsyncSync(fd);
              closeSync(fd);
              const before = storagePerPrescription(db);
              const t = await startTarget(target, dir, db, o, template);
              live.add(t.child);
              try {
                await runScenarios(t, scale);
              } finally {
                live.delete(t.child);
              }
              const s = storagePerPrescription(db);
              storage.push({
                scale, target, preloadSeconds: round(preloadSeconds),
                afterPreload: { bytes: before.bytes, prescriptions: before.prescriptions, bytesPerPrescription: before.perPrescription },
                bytes: s.bytes, prescriptions: s.prescriptions, bytesPerPrescription: s.perPrescription,
              });
            }
          } finally {
            rmSync(dir, { recursive: true, force: true });
            if (pgDatabase) await dropDatabase(server!, pgDatabase);
          }
        }
      } finally {
        rmSync(seedDir, { recursive: true, force: true });
        if (pgTemplate && server) await dropDatabase(server, pgTemplate);
      }
    }
  } finally {
    stopServer();
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  }

  const find = (scale: number, target: TargetName, scenario: Scenario) => runs.find((r) => r.scale === scale && r.target === target && r.scenario === scenario);
  const pgNames = TARGETS.filter(isPg);
  const overSqlite = (ordo: RunResult | undefined, scale: number, scenario: Scenario, of: (r: RunResult) => number | null) =>
    Object.fromEntries(pgNames.map((name) => {
      const pgRun = find(scale, name, scenario);
      const [a, b] = [pgRun && of(pgRun), ordo && of(ordo)];
      return [name, a != null && b ? round(a / b, 2) : null];
    })) as Record<(typeof pgNames)[number], number | null>;
  const ratios = o.scenarios.flatMap((scenario) => o.scales.map((scale) => {
    const ordo = find(scale, 'ordo', scenario);
    const bare = find(scale, 'bare', scenario);
    return {
      scenario, scale,
      ordoOverBare: ordo && bare ? round(ordo.rps / bare.rps, 2) : null,
      /** CPU per request, Ordo's over bare's (the target: at most 1.25). */
      cpuOrdoOverBare: ordo && bare ? round(ordo.cpuUsPerRequest / bare.cpuUsPerRequest, 2) : null,
      /** Requests/s of Ordo on PostgreSQL (pg1, pg2) over Ordo on SQLite. */
      pgOverSqlite: overSqlite(ordo, scale, scenario, (r) => r.rps),
      /** CPU per request of Ordo's processes on PostgreSQL over Ordo's on SQLite (which include SQLite's work). */
      cpuPgOverSqlite: overSqlite(ordo, scale, scenario, (r) => r.cpuUsPerRequest),
      /** The same with the database server's CPU added (null with --pg-url): the whole cost of a request. */
      totalCpuPgOverSqlite: overSqlite(ordo, scale, scenario, (r) => r.totalCpuUsPerRequest),
    };
  }));
  const [small, large] = [o.scales[0]!, o.scales.at(-1)!];
  const scaleRatios = o.scenarios.flatMap((scenario) => o.targets.map((target) => {
    const a = find(small, target, scenario);
    const b = find(large, target, scenario);
    return { scenario, target, largeOverSmall: a && b && small !== large ? round(b.rps / a.rps, 2) : null };
  }));
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform },
    options: { duration: o.duration, connections: o.connections, scales: o.scales, warmup: o.warmup, actors: o.actors },
    goal: { mixedRps: 2390, p99Ms: 50, ratio: 0.8, cpuRatio: 1.25, bytesPerPrescription: 3000 },
    runs, ratios, scaleRatios, preloaded, storage,
  };
  const stamp = result.date.slice(0, 16).replace(/[:T]/g, '-');
  const jsonFile = join(o.out, `${stamp}.json`);
  writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  const svgFile = join(o.out, `${stamp}.svg`);
  await writeChart(result, svgFile);

  log('\nOrdo / bare (requests/s; CPU per request):');
  for (const r of ratios) log(`  ${r.scenario.padEnd(15)} at ${r.scale.toLocaleString('en').padStart(9)}: ${r.ordoOverBare ?? '—'}; ${r.cpuOrdoOverBare ?? '—'}`);
  if (small !== large) {
    log(`\n${large.toLocaleString('en')} / ${small.toLocaleString('en')} preloaded (requests/s):`);
    for (const r of scaleRatios) log(`  ${r.target.padEnd(5)} ${r.scenario.padEnd(15)}: ${r.largeOverSmall ?? '—'}`);
  }
  const pgRun = pgNames.filter((name) => o.targets.includes(name));
  if (pgRun.length && o.targets.includes('ordo')) {
    log("\nPostgreSQL / SQLite (requests/s; Ordo's CPU per request; with the database's):");
    for (const r of ratios) log(`  ${r.scenario.padEnd(15)} at ${r.scale.toLocaleString('en').padStart(9)}: ${pgRun.map((name) => `${name} ${r.pgOverSqlite[name] ?? '—'}; ${r.cpuPgOverSqlite[name] ?? '—'}; ${r.totalCpuPgOverSqlite[name] ?? '—'}`).join('   ')}`);
  }
  log('\nStorage after the runs (SQLite: file pages; PostgreSQL: tables with their indexes and TOAST; the runs add events to the prescriptions they use):');
  for (const s of storage) log(`  ${s.target.padEnd(5)} ${s.prescriptions.toLocaleString('en').padStart(10)} prescriptions: ${(s.bytes / 1e6).toFixed(1)} MB, ${s.bytesPerPrescription} bytes each, ${s.afterPreload.bytesPerPrescription} after the preload (preload ${s.preloadSeconds} s${s.copySeconds === undefined ? '' : `, copy ${s.copySeconds} s`})`);
  log(`\nResults: ${jsonFile}\nChart:   ${svgFile}`);
  return { result, jsonFile, svgFile };
}

// ---------------------------------------------------------------- CLI

const isMain = process.argv[1] && import.meta.filename === process.argv[1];
if (isMain) {
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const program = new Command('bench')
    .description('Drive Ordo (on SQLite, and on PostgreSQL with 1 and 2 processes) and a bare baseline over HTTP; write bench/results/<date>.json and .svg')
    .option('--duration <seconds>', 'measured seconds per scenario', Number, 10)
    .option('--connections <n>', 'concurrent connections (virtual users)', Number, 16)
    .option('--scales <list>', 'prescriptions preloaded, comma-separated', (s) => list(s).map(Number), [10_000, 1_000_000])
    .addOption(new Option('--scenarios <list>', 'scenarios, comma-separated').default([...SCENARIOS]).argParser((s) => list(s) as Scenario[]))
    .addOption(new Option('--targets <list>', 'ordo (SQLite), pg1, pg2 (PostgreSQL, 1 and 2 processes), bare').default(['ordo', 'pg1', 'pg2', 'bare']).argParser((s) => list(s) as TargetName[]))
    .option('--pg-url <url>', 'a PostgreSQL server for pg1 and pg2 (the bench creates and drops its own databases there) instead of a throwaway cluster')
    .option('--warmup <seconds>', 'unmeasured seconds before each scenario', Number, 2)
    .option('--actors <n>', 'prescribers and pharmacies registered (each)', Number, 100)
    .option('--out <dir>', 'where results go', join(root, 'bench/results'))
    .option('--cpu-prof', "write the servers' V8 CPU profiles to <out>/profiles (node --cpu-prof)", false)
    .option('--quick', 'a few seconds in all: 1 s per scenario, 4 connections, 1,000 and 2,000 preloaded', false)
    .parse();
  const raw = program.opts();
  const o: Options = raw.quick
    ? { ...raw, duration: 1, connections: 4, scales: [1000, 2000], warmup: 0, actors: 10, quiet: false } as Options
    : { ...raw, quiet: false } as Options;
  for (const s of o.scenarios) if (!SCENARIOS.includes(s)) program.error(`unknown scenario ${s} (one of ${SCENARIOS.join(', ')})`);
  for (const t of o.targets) if (!TARGETS.includes(t)) program.error(`unknown target ${t} (one of ${TARGETS.join(', ')})`);
  if (o.pgUrl && !isPostgresUrl(o.pgUrl)) program.error(`--pg-url ${redactedUrl(o.pgUrl)} is not a postgres:// URL`);
  if (!(o.duration > 0) || !(o.connections > 0) || o.scales.some((s) => !Number.isInteger(s) || s < 0)) program.error('duration, connections and scales must be positive numbers');
  await runBench(o);
}
