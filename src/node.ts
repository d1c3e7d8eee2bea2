/**
 * The Node entry: configuration from the environment, secrets generated on first start into
 * ORDO_SECRETS (kept apart from the database's folder), SQLite migrated, then serve.
 */
import { serve } from '@hono/node-server';
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

export type NodeServerOptions = { env?: Record<string, string | undefined>; log?: Deps['log']; quiet?: boolean };

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

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    const o = await startNode();
    const base = `http://localhost:${o.port}`;
    console.error(
      [
        `Ordo listening on ${base}`,
        `  database: ${o.dbFile}`,
        `  secrets:  ${o.secretsDir}${o.generated.length ? ` (generated now: ${o.generated.join(', ')})` : ''}`,
        `  admin token: ${o.secretsDir}/admin-token (use it as Authorization: Bearer <token> on /v1/admin/*)`,
        `  pages:    ${base}/prescribe  ${base}/counter  ${base}/patient`,
        `  docs:     ${base}/docs`,
        `  health:   ${base}/healthz`,
      ].join('\n'),
    );
    const stop = () => void o.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
