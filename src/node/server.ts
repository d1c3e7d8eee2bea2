/**
 * One Node server: the app over the SQLite file, its keys, the browser files, the minute sweep,
 * listening on PORT. `npm start` runs one per process (src/node.ts); tests and the CLI's demo
 * start one in-process.
 */
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../app.js';
import { localIssuer, parseNodeConfig, type NodeConfig } from '../config/node.js';
import { ConfigError } from '../config/parse.js';
import { defaultOrigin } from '../config/shared.js';
import type { Deps } from '../deps.js';
import { logTurn } from '../service/log/turn.js';
import { sweep } from '../service/sweep.js';
import { withSandboxTime } from '../service/sandbox.js';
import { startSandbox } from '../service/sandbox-start.js';
import type { Store } from '../store/types.js';
import { publicAssets } from './assets.js';
import { openNodeDatabase, type NodeStore } from './secrets.js';
import { nodeSuite } from './crypto-suite.js';
import { commitThroughWriter, startWriterThread } from './writer.js';

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
  /** Where transitions are committed, when not here (a cluster worker packs them with its store and sends them to the writer). */
  commit?: (local: NodeStore) => Store['commit'];
  /** Requests wait for this before being handled (`npm start`: until the banner is printed). */
  holdUntil?: Promise<void>;
};

/** Builds everything from the configuration and listens; used by `npm start` and by tests that need a real server. */
export async function startNode(opts: NodeServerOptions = {}) {
  const config = opts.config ?? parseNodeConfig(opts.env ?? process.env);
  const { dbFile } = config;
  // The database first, then the secrets that go with it (refused when they do not match it).
  const { store, release, keys, secretsDir, generated, log: logOrigin } = await openNodeDatabase(config, migrationsFolder);
  if (opts.commit) store.commit = opts.commit(store);
  const log = opts.log ?? ((line) => process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...line })}\n`));
  // Listening first: unless ORDO_ISSUER is set, the issuer is the port bound (PORT=0: any free
  // port), and the app is built with it. Requests wait until it is built and `holdUntil` is met.
  let built!: () => void;
  let gate: Promise<void> | undefined = Promise.all([opts.holdUntil, new Promise<void>((r) => (built = r))]).then(() => void (gate = undefined));
  const server = await listen(config.port, config.host, (req, env) => (gate ? gate.then(() => app.fetch(req, env)) : app.fetch(req, env))).catch(async (err: unknown) => {
    await release();
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  /** Whether Ordo listens on the loopback only (then it is reachable from this machine alone). */
  const local = typeof address === 'object' && !!address && /^(127\.|::1$|::ffff:127\.)/.test(address.address);
  const deps: Deps = {
    store,
    crypto: nodeSuite,
    config: { ...config.app, ...(!config.issuerGiven && { issuer: localIssuer(port) }), log: { ...config.app.log, origin: originOf(config, logOrigin, port) } },
    keys,
    clock: Date.now,
    log,
    clientAddress: clientAddressOf(config.trustProxy),
    asset: publicAssets(join(root, 'dist', 'public')),
  };
  const app = createApp(deps);
  // A sandbox is never production (refused both ways); a new one is seeded by the process that sweeps.
  const sandbox = await startSandbox(deps, async (req) => app.request(req), { database: `the database ${dbFile}`, seed: opts.sweep ?? config.sweeper }).catch((err: unknown) => ({ failed: err }));
  if ('variable' in sandbox || 'failed' in sandbox) {
    await new Promise((r) => server.close(r));
    await release();
    throw 'failed' in sandbox ? sandbox.failed : new ConfigError([sandbox]);
  }
  built();
  const sweeping = opts.sweep ?? config.sweeper;
  const sweeper = setInterval(() => {
    if (!sweeping) return;
    withSandboxTime(deps).then(sweep).then(
      (r) => (r.expired || r.claimsEnded) && log({ level: 'info', msg: 'sweep', ...r }),
      (err: Error) => log({ level: 'error', msg: 'sweep failed', error: err.name, message: err.message }),
    );
  }, 60_000);
  sweeper.unref();
  const log$ = sweeping ? startLogTurns(deps) : undefined;
  return {
    app, deps, server, port, local, dbFile, secretsDir, generated,
    close: () =>
      new Promise<void>((done, failed) => {
        clearInterval(sweeper);
        server.close(async () => {
          await log$?.stop();
          // The writer checkpoints its log into the file (ordo.db alone then holds everything); a
          // cluster worker, which only reads, just closes.
          Promise.resolve(opts.commit ? release() : store.close()).then(done, failed);
        });
      }),
  };
}

export type NodeServer = Awaited<ReturnType<typeof startNode>>;

/**
 * The log's origin: the one the database's log has; for a new log, ORDO_LOG_ORIGIN, else from
 * ORDO_ISSUER, else from the port bound (like the issuer).
 */
function originOf(config: NodeConfig, log: { origin: string; existing: boolean }, port: number): string {
  if (log.existing || config.app.log.originGiven || config.issuerGiven) return log.origin;
  return defaultOrigin(localIssuer(port));
}

/** Ordo could not start for a reason outside its configuration (the port…): one line, exit code 2. */
export class StartError extends Error {
  override name = 'StartError';
}

/** The one line a failed start prints, whatever failed (never a stack trace). */
export function startFailure(err: unknown): string {
  if (err instanceof ConfigError || err instanceof StartError) return err.message;
  const e = err instanceof Error ? err : new Error(String(err));
  return `Ordo could not start: ${e.name}: ${e.message}`.replace(/\s*\n\s*/g, ' ');
}

/** Listens on `port`; when it cannot (in use, not allowed), a StartError naming the port and PORT. */
function listen(port: number, hostname: string, fetch: Parameters<typeof serve>[0]['fetch']) {
  return new Promise<ServerType>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      const other = `choose another port with PORT=…, e.g. PORT=${port < 65_535 ? port + 1 : 8787}`;
      if (err.code === 'EADDRINUSE') reject(new StartError(`Ordo could not start: port ${port} is already in use (by another Ordo or another program); stop it, or ${other}`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new StartError(`Ordo could not start: ORDO_HOST ${hostname} is not an address of this machine; use 127.0.0.1, 0.0.0.0, :: or one of its addresses`));
      else if (err.code === 'EACCES') reject(new StartError(`Ordo could not start: not allowed to listen on port ${port} (ports below 1024 need privileges); ${other}`));
      else reject(new StartError(`Ordo could not start: cannot listen on port ${port}: ${err.code ?? err.message}`));
    };
    const s = serve({ fetch, port, hostname }, () => {
      s.off('error', failed);
      resolve(s);
    });
    s.once('error', failed);
  });
}

/**
 * Before any server opens them, once: the database opened and migrated, its recorded key ids
 * read, the secrets loaded or generated accordingly and checked against them, the current ids
 * recorded (openNodeDatabase). Returns what `announce` tells about the secrets.
 */
export async function prepareNode(config: NodeConfig) {
  const { store, secretsDir, generated } = await openNodeDatabase(config, migrationsFolder);
  await store.close();
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

/** Where one server listens, as the banner tells it: its port, its issuer, loopback only or not. */
export type Listening = { port: number; issuer: string; local: boolean };

export const listeningOf = (s: NodeServer): Listening => ({ port: s.port, issuer: s.deps.config.issuer, local: s.local });

export type Announcement = Listening & { host: string; issuerGiven: boolean; dbFile: string; secretsDir: string; generated: string[]; workers: number };

const thisMachine = (host: string) => /^(localhost|127\.[\d.]+|\[::1\])$/.test(host) || host.endsWith('.localhost');

/**
 * ORDO_ISSUER, when set, seen from where Ordo listens: a warning when its port is not Ordo's, or
 * when it names another host while Ordo listens on the loopback only. Behind a reverse proxy
 * that is expected (the public URL is the proxy's): a warning, never a refusal.
 */
export function issuerWarning(o: Listening & { issuerGiven: boolean }): string | undefined {
  if (!o.issuerGiven) return undefined;
  const url = new URL(o.issuer);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const proxy = `right only if a reverse proxy serves Ordo at that URL; otherwise clients' tokens are refused (their aud must be ${o.issuer}): unset ORDO_ISSUER (default http://localhost:${o.port}) or correct it`;
  if (port !== o.port) return `warning: ORDO_ISSUER ${o.issuer} is on port ${port} but Ordo listens on port ${o.port}: ${proxy}`;
  if (o.local && !thisMachine(url.hostname)) return `warning: ORDO_ISSUER ${o.issuer} names host ${url.hostname} but Ordo listens on this machine only: ${proxy}`;
  return undefined;
}

/** What `npm start` prints once every process listens, before any request is served (stderr: stdout carries the request log). */
export function announce(o: Announcement) {
  const base = `http://localhost:${o.port}`;
  const warning = issuerWarning(o);
  console.error(
    [
      `Ordo listening on ${base} (${o.workers} process${o.workers > 1 ? 'es' : ''}; ORDO_WORKERS to change)`,
      `  address:  ${o.host} ${o.local ? '(this machine only; ORDO_HOST=0.0.0.0 or :: to be reachable from others)' : '(ORDO_HOST: reachable from other machines)'}`,
      `  issuer:   ${o.issuer} (${o.issuerGiven ? 'ORDO_ISSUER' : 'default; set ORDO_ISSUER to the public URL clients use'}: the aud of tokens, the iss of receipts)`,
      `  database: ${o.dbFile}`,
      `  secrets:  ${o.secretsDir}${o.generated.length ? ` (generated now: ${o.generated.join(', ')})` : ''}`,
      `  admin token: ${o.secretsDir}/admin-token (use it as Authorization: Bearer <token> on /v1/admin/*)`,
      `  pages:    ${base}/prescribe  ${base}/counter  ${base}/patient`,
      `  docs:     ${base}/docs`,
      `  health:   ${base}/healthz`,
      ...(warning ? [`  ${warning}`] : []),
    ].join('\n'),
  );
}

/** `npm start` with ORDO_WORKERS=1: one process serves and writes; SIGINT/SIGTERM close it. */
export async function serveHere(config: NodeConfig, prepared: { secretsDir: string; generated: string[] }) {
  let serve!: () => void;
  // On SQLite, the writer on its own thread (src/node/writer-thread.ts): a commit's flush does not
  // hold the event loop. On PostgreSQL the process commits its own transitions.
  const writer = config.postgres ? undefined : await startWriterThread(config.dbFile, migrationsFolder);
  const commit = writer && ((local: NodeStore) => commitThroughWriter(local, writer.channel));
  const s = await startNode({ config, commit, holdUntil: new Promise((r) => (serve = r)) }).catch(async (err: unknown) => {
    await writer?.close().catch(() => {});
    throw err;
  });
  announce({ ...listeningOf(s), host: config.host, issuerGiven: config.issuerGiven, dbFile: s.dbFile, ...prepared, workers: 1 });
  serve();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    s.close()
      .then(() => writer?.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`Ordo stopped, but ${config.dbFile} did not close cleanly: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * The log's turns in the process that sweeps: every ORDO_LOG_INTERVAL, one after the other
 * (never two at once), the first at once; every minute also retrying what a TSA or witness did
 * not give. `stop()` waits for a turn under way.
 */
export function startLogTurns(deps: Deps) {
  let running: Promise<unknown> | undefined;
  let last = 0;
  const turn = () => {
    if (running) return;
    const retry = deps.clock() - last >= 60_000;
    if (retry) last = deps.clock();
    running = logTurn(deps, { retry })
      .catch((err: Error) => deps.log({ level: 'error', msg: 'log integration failed', error: err.name, message: err.message }))
      .finally(() => (running = undefined));
  };
  turn();
  const timer = setInterval(turn, deps.config.log.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
