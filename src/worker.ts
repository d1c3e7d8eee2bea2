/**
 * The Workers entry: the same app, over D1, with secrets and vars from bindings, and the
 * expiry/claim sweep on a cron trigger. Everything is built once per isolate.
 */
import { drizzle } from 'drizzle-orm/d1';
import { createApp } from './app.js';
import { ConfigError, parseConfig } from './config.js';
import type { Deps } from './deps.js';
import { loadOrdoKeys } from './keys-config.js';
import { sweep } from './service/sweep.js';
import { DrizzleStore } from './store/drizzle-store.js';
import * as schema from './store/schema.js';

export type Env = {
  DB: Parameters<typeof drizzle>[0];
  /** The built browser files, dist/public (wrangler.toml [assets]). */
  ASSETS?: { fetch(request: Request): Promise<Response> };
  ORDO_ADMIN_TOKEN?: string;
  ORDO_SIGNING_KEY?: string;
  ORDO_TOKEN_KEY?: string;
  /** Optional: a JSON array of the receipt keys used before (public JWKs), still published. */
  ORDO_RETIRED_SIGNING_KEYS?: string;
  ORDO_ISSUER?: string;
  ORDO_CLAIM_TTL?: string;
  ORDO_CLAIM_MAX_TTL?: string;
  ORDO_EARLY_DAYS?: string;
  ORDO_TZ?: string;
};

type Built = { app: ReturnType<typeof createApp>; deps: Deps };
let built: Promise<Built> | undefined;

async function build(env: Env): Promise<Built> {
  if (!env.DB) throw new Error('Invalid configuration:\n  DB: the D1 binding is missing (see wrangler.toml)');
  const config = parseConfig(env as unknown as Record<string, string | undefined>);
  const keys = await loadOrdoKeys({
    adminToken: env.ORDO_ADMIN_TOKEN,
    signingKey: env.ORDO_SIGNING_KEY,
    tokenKey: env.ORDO_TOKEN_KEY,
    retiredSigningKeys: env.ORDO_RETIRED_SIGNING_KEYS ? [{ name: 'ORDO_RETIRED_SIGNING_KEYS', json: env.ORDO_RETIRED_SIGNING_KEYS }] : [],
  });
  const db = drizzle(env.DB, { schema });
  // D1 has no interactive transactions: a batch is atomic, and a stale writer's batch fails on
  // the (prescription, index) key of the event it tries to add.
  const store = new DrizzleStore(db, async (queries) => {
    if (queries.length) await db.batch(queries as [never, ...never[]]);
  });
  const deps: Deps = {
    store,
    config,
    keys,
    clock: Date.now,
    log: (line) => console.log(JSON.stringify(line)),
    clientAddress: (c) => c.req.header('cf-connecting-ip') ?? 'unknown',
    asset: async (name) => {
      const res = await env.ASSETS?.fetch(new Request(`https://assets.local/${name}`));
      if (!res?.ok) return undefined;
      return { body: new Uint8Array(await res.arrayBuffer()), type: res.headers.get('content-type') ?? 'application/octet-stream' };
    },
  };
  return { app: createApp(deps), deps };
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
      if (!(err instanceof ConfigError) && !/Invalid configuration/.test((err as Error).message)) throw err;
      console.error((err as Error).message);
      return new Response(JSON.stringify({ type: 'urn:ordo:problem:misconfigured', title: 'Ordo is not configured', status: 503, detail: (err as Error).message, code: 'misconfigured' }), {
        status: 503,
        headers: { 'content-type': 'application/problem+json' },
      });
    }
    return built.app.fetch(request, env, ctx);
  },
  async scheduled(_event: unknown, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }) {
    ctx.waitUntil(get(env).then(({ deps }) => sweep(deps)));
  },
};
