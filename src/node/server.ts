/**
 * One Node server: the app over the SQLite file, its keys, the browser files, the minute sweep,
 * listening on PORT. `npm start` runs one per process (src/node.ts); tests and the CLI's demo
 * start one in-process.
 */
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../app.js';
import { parseNodeConfig, type NodeConfig } from '../config/node.js';
import type { Deps } from '../deps.js';
import { sweep } from '../service/sweep.js';
import { openSqlite } from '../store/sqlite.js';
import type { Store } from '../store/types.js';
import { publicAssets } from './assets.js';
import { loadNodeSecrets } from './secrets.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const migrationsFolder = join(root, 'drizzle');

export type NodeServerOptions = {
  /** The parsed configuration; otherwise parsed from `env`. */
  config?: NodeConfig;
  /** The environment to parse when no `config` is given (default process.env). */
  env?: Record<string, string | undefined>;
  log?: Deps['log'];
  /** Whether to run the minute sweep (default: ORDO_SWEEPER). */
  sweep?: boolean;
  /** Where transitions are committed, when not here (a cluster worker sends them to the writer). */
  commit?: Store['commit'];
};

/** Builds everything from the configuration and listens; used by `npm start` and by tests that need a real server. */
export async function startNode(opts: NodeServerOptions = {}) {
  const config = opts.config ?? parseNodeConfig(opts.env ?? process.env);
  const { dbFile } = config;
  const { keys, secretsDir, generated } = await loadNodeSecrets(config);
  const { store, db } = openSqlite(dbFile, { migrationsFolder });
  if (opts.commit) store.commit = opts.commit;
  const log = opts.log ?? ((line) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...line })}\n`));
  const deps: Deps = {
    store,
    config: config.app,
    keys,
    clock: Date.now,
    log,
    clientAddress: clientAddressOf(config.trustProxy),
    asset: publicAssets(join(root, 'dist', 'public')),
  };
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof serve>>((ready) => {
    const s = serve({ fetch: app.fetch, port: config.port }, () => ready(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const sweeping = opts.sweep ?? config.sweeper;
  const sweeper = setInterval(() => {
    if (!sweeping) return;
    sweep(deps).then(
      (r) => (r.expired || r.claimsEnded) && log({ level: 'info', msg: 'sweep', ...r }),
      (err: Error) => log({ level: 'error', msg: 'sweep failed', error: err.name, message: err.message }),
    );
  }, 60_000);
  sweeper.unref();
  return {
    app, deps, server, port, dbFile, secretsDir, generated,
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

export type NodeServer = Awaited<ReturnType<typeof startNode>>;

/**
 * Before any server opens them: secrets generated (if absent) and the database migrated, once.
 * Returns what `announce` tells about the secrets.
 */
export async function prepareNode(config: NodeConfig) {
  const { secretsDir, generated } = await loadNodeSecrets(config);
  openSqlite(config.dbFile, { migrationsFolder }).db.close();
  return { secretsDir, generated };
}

/**
 * The client's address, for the failed-code limit: the socket's peer, or, behind a reverse proxy
 * (ORDO_TRUST_PROXY=1), the address that proxy appended last to X-Forwarded-For. Only trust it
 * when Ordo is reachable through that proxy alone, or anyone could pick their own address.
 */
export function clientAddressOf(trustProxy: boolean): Deps['clientAddress'] {
  const peer: Deps['clientAddress'] = (c) => getConnInfo(c).remote.address ?? 'unknown';
  if (!trustProxy) return peer;
  return (c) => c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() || peer(c);
}

export type Announcement = { port: number; dbFile: string; secretsDir: string; generated: string[]; workers: number };

/** What `npm start` prints once every process listens (stderr: stdout carries the request log). */
export function announce(o: Announcement) {
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

/** `npm start` with ORDO_WORKERS=1: one process serves and writes; SIGINT/SIGTERM close it. */
export async function serveHere(config: NodeConfig, prepared: { secretsDir: string; generated: string[] }) {
  const s = await startNode({ config });
  announce({ port: s.port, dbFile: s.dbFile, secretsDir: prepared.secretsDir, generated: prepared.generated, workers: 1 });
  const stop = () => void s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
