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

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type NodeServerOptions = { env?: Record<string, string | undefined>; log?: Deps['log']; quiet?: boolean; sweep?: boolean };

/** Builds everything from the environment; used by `npm start` and by tests that need a real server. */
export async function startNode(opts: NodeServerOptions = {}) {
  const env = opts.env ?? process.env;
  const config = parseConfig(env);
  const port = Number(env.PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`Invalid configuration:\n  PORT: not a port number`);
  const dbFile = resolve(env.ORDO_DB || './data/ordo.db');
  const { keys, secretsDir, generated } = await loadNodeSecrets(env, dbFile);
  const { store, db } = openSqlite(dbFile, { migrationsFolder: join(root, 'drizzle') });
  const log = opts.log ?? ((line) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...line })}\n`));
  const deps: Deps = {
    store,
    config,
    keys,
    clock: Date.now,
    log,
    clientAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
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
 * How many server processes `npm start` runs: ORDO_WORKERS, by default one per core. They share
 * the port (node:cluster) and the SQLite file (WAL: readers never wait; writers take turns, and
 * every transition is version-guarded, so no two processes can both apply one). What must be
 * shared lives in the database: the replay guard, the failed-code limit, the claims.
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
        let ready = 0;
        let stopping = false;
        const fork = (sweeper: boolean) => {
          const w = cluster.fork({ ORDO_SWEEPER: sweeper ? '1' : '0' });
          w.on('message', (m: { ready?: number }) => {
            if (m.ready && ++ready === workers) announce({ port: m.ready, dbFile, secretsDir, generated, workers });
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
          for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
          setTimeout(() => process.exit(0), 5000).unref();
          let left = Object.keys(cluster.workers ?? {}).length;
          for (const w of Object.values(cluster.workers ?? {})) w?.on('exit', () => --left === 0 && process.exit(0));
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }
    } else {
      const o = await startNode({ sweep: process.env.ORDO_SWEEPER !== '0' });
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
