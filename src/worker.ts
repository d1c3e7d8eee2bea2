/**
 * The Workers entry: the same app, over D1, with secrets and vars from bindings, and the
 * expiry/claim sweep on a cron trigger. Everything is built once per isolate.
 */
import { drizzle } from 'drizzle-orm/d1';
import { createApp } from './app.js';
import { ConfigError } from './config/parse.js';
import { loadWorkersConfig, type WorkersEnv } from './config/workers.js';
import type { Deps, OrdoKeys } from './deps.js';
import { OrdoError } from './domain/errors.js';
import { problemFetchResponse } from './http/problem.js';
import { keysAgainstDatabase } from './keys-config.js';
import { sweep } from './service/sweep.js';
import { DrizzleStore } from './store/drizzle-store.js';
import * as schema from './store/schema.js';
import { webSuite } from './crypto/suite/web.js';

/** The bindings: D1, the built browser files, the [vars] and the secrets (src/config/variables.ts). */
export type Env = WorkersEnv;

type Built = { app: ReturnType<typeof createApp>; deps: Deps };
let built: Promise<Built> | undefined;

async function build(env: Env): Promise<Built> {
  const { config: { app: config, db: d1, assets }, keys } = await loadWorkersConfig(env);
  const db = drizzle(d1, { schema });
  // D1 has no interactive transactions: a batch is atomic, and a stale writer's batch fails on
  // the (prescription, index) key of the event it tries to add.
  const store = new DrizzleStore(db, async (queries) => {
    if (queries.length) await db.batch(queries as [never, ...never[]]);
  }, webSuite);
  await checkKeys(store, keys);
  const deps: Deps = {
    store,
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
  return { app: createApp(deps), deps };
}

/**
 * The secrets must be the keys this D1 database goes with: the token key that sealed it, and
 * for every receipt in it the signing key or a retired one (src/keys-config.ts). Otherwise every
 * code would answer 404, or old receipts would no longer verify: ConfigError (503
 * misconfigured, naming the secrets, never their values). Then the current ids are recorded.
 */
async function checkKeys(store: DrizzleStore, keys: OrdoKeys) {
  let ids: Awaited<ReturnType<DrizzleStore['recordedKeys']>>;
  try {
    ids = await store.recordedKeys();
  } catch (err) {
    const said = `${(err as Error)?.message} ${((err as { cause?: Error })?.cause as Error | undefined)?.message}`;
    if (/no such table/i.test(said)) throw new ConfigError([{ variable: 'DB', message: 'not migrated: apply the migrations in drizzle/ (npx wrangler d1 migrations apply DB)' }]);
    throw err;
  }
  const problems = keysAgainstDatabase(ids, keys, {
    database: 'this D1 database (DB)',
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

function get(env: Env): Promise<Built> {
  built ??= build(env).catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return built;
}

export default {
  async fetch(request: Request, env: Env, ctx: Parameters<Built['app']['fetch']>[2]) {
    let built: Built;
    try {
      built = await get(env);
    } catch (err) {
      // A deployment without its secrets or bindings: say which ones (names only), on every request.
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      return problemFetchResponse(new OrdoError('misconfigured', err.message));
    }
    return built.app.fetch(request, env, ctx);
  },
  async scheduled(_event: unknown, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }) {
    ctx.waitUntil(get(env).then(({ deps }) => sweep(deps)));
  },
};
