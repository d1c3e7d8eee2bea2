/**
 * The Node entry: configuration from the environment, secrets generated on first start into
 * ORDO_SECRETS (kept apart from the database's folder), SQLite migrated, then serve.
 */
import { serve } from '@hono/node-server';
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { getConnInfo } from '@hono/node-server/conninfo';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.js';
import { ConfigError, parseConfig } from './config.js';
import type { Deps } from './deps.js';
import { publicAssets } from './node/assets.js';
import { loadNodeSecrets } from './node/secrets.js';
import { sweep } from './service/sweep.js';
import { openSqlite } from './store/sqlite.js';
import { CommitConflict, type Store, type Transition } from './store/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type NodeServerOptions = {
  env?: Record<string, string | undefined>;
  log?: Deps['log'];
  quiet?: boolean;
  sweep?: boolean;
  /** Where transitions are committed, when not here (a cluster worker sends them to the writer). */
  commit?: Store['commit'];
};

/** Builds everything from the environment; used by `npm start` and by tests that need a real server. */
export async function startNode(opts: NodeServerOptions = {}) {
  const env = opts.env ?? process.env;
  const config = parseConfig(env);
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`Invalid configuration:\n  PORT: not a port number`);
  const dbFile = resolve(env.ORDO_DB || './data/ordo.db');
  const { keys, secretsDir, generated } = await loadNodeSecrets(env, dbFile);
  const { store, db } = openSqlite(dbFile, { migrationsFolder: join(root, 'drizzle') });
  if (opts.commit) store.commit = opts.commit;
  const log = opts.log ?? ((line) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...line })}\n`));
  const deps: Deps = {
    store,
    config,
    keys,
    clock: Date.now,
    log,
    clientAddress: clientAddressOf(env),
    asset: publicAssets(join(root, 'dist', 'public')),
  };
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serve>>((ready) => {
    const s = serve({ fetch: app.fetch, port }, () => ready(s));
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const sweeper = setInterval(() => {
    if (opts.sweep === false) return;
    sweep(deps).then(
      (r) => (r.expired || r.claimsEnded) && log({ level: 'info', msg: 'sweep', ...r }),
      (err: Error) => log({ level: 'error', msg: 'sweep failed', error: err.name, message: err.message }),
    );
  }, 60_000);
  sweeper.unref();
  return {
    app, deps, server, port: actualPort, dbFile, secretsDir, generated,
    close: () =>
      new Promise<void>((done) => {
        clearInterval(sweeper);
        server.close(() => {
          db.close();
          done();
        });
      }),
  };
}

/**
 * The client's address, for the failed-code limit: the socket's peer, or, behind a reverse proxy
 * (ORDO_TRUST_PROXY=1), the address that proxy appended last to X-Forwarded-For. Only trust it
 * when Ordo is reachable through that proxy alone, or anyone could pick their own address.
 */
function clientAddressOf(env: Record<string, string | undefined>): Deps['clientAddress'] {
  const trust = env.ORDO_TRUST_PROXY ?? '0';
  if (trust !== '0' && trust !== '1') throw new ConfigError('Invalid configuration:\n  ORDO_TRUST_PROXY: 1 (behind a reverse proxy that sets X-Forwarded-For) or 0');
  const peer: Deps['clientAddress'] = (c) => getConnInfo(c).remote.address ?? 'unknown';
  if (trust === '0') return peer;
  return (c) => c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() || peer(c);
}

/**
 * How many server processes `npm start` runs: ORDO_WORKERS, by default one per core. They share
 * the port (node:cluster) and read the SQLite file themselves (WAL: readers never wait); their
 * transitions are committed by the primary process, the one writer. What must be shared lives
 * in the database: the replay guard, the failed-code limit, the claims.
 */
export function workerCount(env: Record<string, string | undefined>): number {
  const raw = env.ORDO_WORKERS;
  if (raw === undefined || raw === '') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new ConfigError('Invalid configuration:\n  ORDO_WORKERS: a whole number of processes, 1 to 64');
  return n;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    if (cluster.isPrimary) {
      const workers = workerCount(process.env);
      // Secrets are generated and the database migrated once, here, before any worker opens them.
      const dbFile = resolve(process.env.ORDO_DB || './data/ordo.db');
      parseConfig(process.env);
      const { secretsDir, generated } = await loadNodeSecrets(process.env, dbFile);
      openSqlite(dbFile, { migrationsFolder: join(root, 'drizzle') }).db.close();
      if (workers === 1) {
        await serveHere({ secretsDir, generated, workers });
      } else {
        // One writer, many readers: the workers serve HTTP and read the database themselves; every
        // transition comes here, where one process group-commits them (see store/sqlite.ts).
        // Two processes writing the same SQLite file would take turns on its write lock, each
        // waiting in SQLite's busy handler, which blocks its event loop: measured, that halved
        // the write throughput instead of doubling it.
        const writer = openSqlite(dbFile, { migrationsFolder: join(root, 'drizzle') }).store;
        cluster.setupPrimary({ serialization: 'advanced' });
        let ready = 0;
        let stopping = false;
        const fork = (sweeper: boolean) => {
          const w = cluster.fork({ ORDO_SWEEPER: sweeper ? '1' : '0' });
          w.on('message', (m: { ready?: number; commit?: number; t?: Transition }) => {
            if (m.ready && ++ready === workers) announce({ port: m.ready, dbFile, secretsDir, generated, workers });
            if (m.commit !== undefined) {
              writer.commit(m.t!).then(
                () => w.send({ commit: m.commit, ok: true }),
                (err: unknown) => w.send({ commit: m.commit, conflict: err instanceof CommitConflict ? err.on : undefined, error: String(err) }),
              );
            }
          });
          w.on('exit', (code) => {
            if (stopping) return;
            console.error(`worker ${w.process.pid} exited (${code}); starting another`);
            fork(sweeper);
          });
        };
        for (let i = 0; i < workers; i++) fork(i === 0);
        const stop = () => {
          stopping = true;
          const all = Object.values(cluster.workers ?? {});
          let left = all.length;
          for (const w of all) {
            w?.on('exit', () => --left === 0 && process.exit(0));
            w?.process.kill('SIGTERM');
          }
          setTimeout(() => process.exit(0), 5000).unref();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }
    } else {
      const o = await startNode({ sweep: process.env.ORDO_SWEEPER !== '0', commit: commitThroughWriter() });
      process.send?.({ ready: o.port });
      const stop = () => void o.close().then(() => process.exit(0));
      process.on('SIGINT', () => {}); // the primary decides
      process.on('SIGTERM', stop);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

/** In a cluster worker: a commit is a message to the writer, answered once it is on disk. */
function commitThroughWriter(): Store['commit'] {
  let next = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (err: unknown) => void }>();
  process.on('message', (m: { commit?: number; ok?: boolean; conflict?: CommitConflict['on']; error?: string }) => {
    const w = m.commit === undefined ? undefined : waiting.get(m.commit);
    if (!w) return;
    waiting.delete(m.commit!);
    if (m.ok) w.resolve();
    else w.reject(m.conflict ? new CommitConflict(m.conflict) : new Error(`commit failed in the writer: ${m.error}`));
  });
  return (t) =>
    new Promise<void>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      process.send!({ commit: id, t });
    });
}

async function serveHere(o: { secretsDir: string; generated: string[]; workers: number }) {
  const s = await startNode();
  announce({ port: s.port, dbFile: s.dbFile, secretsDir: o.secretsDir, generated: o.generated, workers: 1 });
  const stop = () => void s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function announce(o: { port: number; dbFile: string; secretsDir: string; generated: string[]; workers: number }) {
  const base = `http://localhost:${o.port}`;
  console.error(
    [
      `Ordo listening on ${base} (${o.workers} process${o.workers > 1 ? 'es' : ''}; ORDO_WORKERS to change)`,
      `  database: ${o.dbFile}`,
      `  secrets:  ${o.secretsDir}${o.generated.length ? ` (generated now: ${o.generated.join(', ')})` : ''}`,
      `  admin token: ${o.secretsDir}/admin-token (use it as Authorization: Bearer <token> on /v1/admin/*)`,
      `  pages:    ${base}/prescribe  ${base}/counter  ${base}/patient`,
      `  docs:     ${base}/docs`,
      `  health:   ${base}/healthz`,
    ].join('\n'),
  );
}
