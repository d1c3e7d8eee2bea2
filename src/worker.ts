/**
 * The Workers entry: the same app, over D1 or over PostgreSQL through Hyperdrive
 * (src/workers/postgres.ts), with secrets and vars from bindings, and the expiry/claim sweep on
 * a cron trigger. Everything is built once per isolate.
 */
import { drizzle } from 'drizzle-orm/d1';
import { createApp } from './app.js';
import { ConfigError } from './config/parse.js';
import { loadWorkersConfig, type WorkersConfig, type WorkersEnv } from './config/workers.js';
import type { Deps, OrdoKeys } from './deps.js';
import { OrdoError } from './domain/errors.js';
import { problemFetchResponse } from './http/problem.js';
import { keysAgainstDatabase } from './keys-config.js';
import { resolveLogOrigin } from './service/log/keys.js';
import { logTurn } from './service/log/turn.js';
import { sweep } from './service/sweep.js';
import { withSandboxTime } from './service/sandbox.js';
import { startSandbox } from './service/sandbox-start.js';
import { DrizzleStore } from './store/drizzle-store.js';
import type { Store } from './store/types.js';
import { withHyperdriveStore } from './workers/postgres.js';
import * as schema from './store/schema.js';
import { webSuite } from './crypto/suite/web.js';

/** The bindings: D1, the built browser files, the [vars] and the secrets (src/config/variables.ts). */
export type Env = WorkersEnv;

/**
 * How a request (or a cron run) reaches the database: `scope` runs it with its store (D1's, the
 * same for every request; with Hyperdrive, one of its own).
 */
type Scope = <T>(work: (store: Store) => Promise<T>, waitUntil: (p: Promise<unknown>) => void) => Promise<T>;
type Built = { app: ReturnType<typeof createApp>; deps: Omit<Deps, 'store'>; scope: Scope };
let built: Promise<Built> | undefined;
/** When this isolate last ran the log's turn after a write (epoch ms), and the turn scheduled, if any. */
let lastLogTurn = 0;
let logTurnDue: Promise<unknown> | undefined;

/** The store: PostgreSQL through Hyperdrive when bound, else D1. */
function storeOf(db: WorkersConfig['db']): { scope: Scope; name: string; d1?: Store } {
  if ('hyperdrive' in db) {
    return { scope: (work, waitUntil) => withHyperdriveStore(db.hyperdrive, webSuite, work, waitUntil), name: 'the PostgreSQL database (HYPERDRIVE)' };
  }
  const d1 = drizzle(db.d1, { schema });
  // D1 has no interactive transactions: a batch is atomic, and a stale writer's batch fails on
  // the (prescription, index) key of the event it tries to add.
  const store = new DrizzleStore(d1, async (queries) => (queries.length ? d1.batch(queries as [never, ...never[]]) : []), webSuite);
  return { scope: (work) => work(store), name: 'this D1 database (DB)', d1: store };
}

/** The request's store, passed to the app beside the bindings (createApp's storeOf). */
const STORE = Symbol('ordo store');
type WithStore = { [STORE]?: Store };

async function build(env: Env, waitUntil: (p: Promise<unknown>) => void): Promise<Built> {
  const { config: { app, db, assets }, keys } = await loadWorkersConfig(env);
  const { scope, name, d1 } = storeOf(db);
  await scope((store) => checkKeys(store, keys, name), waitUntil);
  // The log keeps its origin, and must be signed by this note key (service/log/keys.ts).
  const log = await scope((store) => resolveLogOrigin(webSuite, store.log, app.log, keys.logKey), waitUntil);
  if ('variable' in log) throw new ConfigError([log]);
  const config = { ...app, log: { ...app.log, origin: log.origin } };
  const deps: Deps = {
    // Replaced per request with Hyperdrive (createApp's storeOf); D1's is the same for all.
    store: d1 ?? (undefined as never),
    crypto: webSuite,
    config,
    keys,
    clock: Date.now,
    log: (line) => console.log(JSON.stringify(line)),
    clientAddress: (c) => c.req.header('cf-connecting-ip') ?? 'unknown',
    asset: async (name) => {
      const res = await assets?.fetch(new Request(`https://assets.local/${name}`));
      if (!res?.ok) return undefined;
      return { body: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('content-type') ?? 'application/octet-stream' };
    },
  };
  const ordo = createApp(deps, d1 ? undefined : (env) => (env as WithStore)[STORE]!);
  // A sandbox is never production (refused both ways: 503 misconfigured); a new one is seeded on first use.
  const sandbox = await scope((store) => startSandbox({ ...deps, store }, async (req) => ordo.fetch(req, { ...env, [STORE]: store }), { database: name, seed: true }), waitUntil);
  if ('variable' in sandbox) throw new ConfigError([sandbox]);
  return { app: ordo, deps, scope };
}

/**
 * The secrets must be the keys this D1 database goes with: the token key that sealed it, and
 * for every receipt in it the signing key or a retired one (src/keys-config.ts). Otherwise every
 * code would answer 404, or old receipts would no longer verify: ConfigError (503
 * misconfigured, naming the secrets, never their values). Then the current ids are recorded.
 */
async function checkKeys(store: Store, keys: OrdoKeys, database: string) {
  let ids: Awaited<ReturnType<Store['recordedKeys']>>;
  try {
    ids = await store.recordedKeys();
  } catch (err) {
    const said = `${(err as Error)?.message} ${((err as { cause?: Error })?.cause as Error | undefined)?.message}`;
    if (/no such table/i.test(said)) throw new ConfigError([{ variable: 'DB', message: 'not migrated: apply the migrations in drizzle/ (npx wrangler d1 migrations apply DB)' }]);
    // PostgreSQL's undefined_table.
    if ((err as { code?: string }).code === '42P01') throw new ConfigError([{ variable: 'HYPERDRIVE', message: 'not migrated: apply the migrations in drizzle/pg/ (ORDO_DB=postgres://… npx ordo migrate)' }]);
    if ((err as { code?: string }).code === 'ECONNREFUSED' || /connect/i.test(said)) throw new ConfigError([{ variable: 'HYPERDRIVE', message: `the PostgreSQL database cannot be reached (${(err as Error).message})` }]);
    throw err;
  }
  const problems = keysAgainstDatabase(ids, keys, {
    database,
    tokenKey: 'ORDO_TOKEN_KEY',
    signingKey: 'ORDO_SIGNING_KEY',
    remedy: {
      token: 'set ORDO_TOKEN_KEY to the key that goes with this database (see docs/operations.md, "Backup and restore")',
      signing: 'set ORDO_SIGNING_KEY back, or list the former key in ORDO_RETIRED_SIGNING_KEYS (see docs/operations.md, "Keys and rotation")',
    },
    ids: false,
  });
  if (problems.length) throw new ConfigError(problems);
  await store.recordKeys({ token: [...ids.token, keys.tokenKey.id], signing: [...ids.signing, keys.signer.kid] }, new Date().toISOString());
}

function get(env: Env, waitUntil: (p: Promise<unknown>) => void): Promise<Built> {
  built ??= build(env, waitUntil).catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return built;
}

export default {
  async fetch(request: Request, env: Env, ctx: Parameters<Built['app']['fetch']>[2]) {
    // Without a context (a test calling fetch), what would be waited for just runs.
    const waitUntil = (p: Promise<unknown>) => (ctx ? ctx.waitUntil(p) : void p.catch(() => {}));
    let built: Built;
    try {
      built = await get(env, waitUntil);
    } catch (err) {
      // A deployment without its secrets or bindings: say which ones (names only), on every request.
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      return problemFetchResponse(new OrdoError('misconfigured', err.message));
    }
    const { app, scope, deps } = built;
    const response = await scope(async (store) => app.fetch(request, { ...env, [STORE]: store } satisfies Env & WithStore, ctx), waitUntil);
    // After a write, the log integrates it: after the answer (a write never waits for the tree),
    // at most one turn per ORDO_LOG_INTERVAL in this isolate, the next one waiting out the rest.
    if (request.method === 'POST' && response.status < 300 && !logTurnDue) {
      const wait = Math.max(0, lastLogTurn + deps.config.log.intervalMs - deps.clock());
      logTurnDue = new Promise((r) => setTimeout(r, wait))
        .then(() => {
          lastLogTurn = deps.clock();
          logTurnDue = undefined;
          return scope((store) => logTurn({ ...deps, store }), waitUntil);
        })
        .catch((err: Error) => deps.log({ level: 'error', msg: 'log integration failed', error: err.name, message: err.message }));
      waitUntil(logTurnDue);
    }
    return response;
  },
  async scheduled(_event: unknown, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }) {
    const waitUntil = (p: Promise<unknown>) => ctx.waitUntil(p);
    ctx.waitUntil(
      get(env, waitUntil).then(({ deps, scope }) =>
        scope(async (store) => {
          await sweep(await withSandboxTime({ ...deps, store }));
          // Every minute also: what writes left to integrate, and what a TSA or witness did not give.
          await logTurn({ ...deps, store }, { retry: true });
        }, waitUntil),
      ),
    );
  },
};
