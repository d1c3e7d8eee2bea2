/**
 * A real Ordo for tests: `createApp` over a migrated SQLite file in a temp folder, real keys,
 * a clock the test moves, and the request log captured. Requests go through `app.request`.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { base64url, type JWK } from 'jose';
import { afterAll } from 'vitest';
import { createApp } from '../../src/app.js';
import { generateKey, signDocument, signRequestToken, type SigningKey } from '../../src/client/sign.js';
import { parseConfig } from '../../src/config.js';
import { randomBytes } from '../../src/crypto/hash.js';
import { generateSigningJwk, loadSigner, loadTokenKey } from '../../src/crypto/ordo-keys.js';
import { deriveLogKey } from '../../src/keys-config.js';
import type { Deps, LogLine } from '../../src/deps.js';
import { publicAssets } from '../../src/node/assets.js';
import { publicDir } from '../../scripts/build-web.mjs';
import { openSqlite } from '../../src/store/sqlite.js';
import { openPostgres } from '../../src/store/pg/open.js';
import type { Store } from '../../src/store/types.js';
import type Database from 'better-sqlite3';
import pg from 'pg';
import { freshDatabase } from './postgres.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import type { CryptoSuite } from '../../src/crypto/suite/types.js';
import { commitThroughWriter, startWriterThread } from '../../src/node/writer.js';

export const ISSUER = 'https://ordo.test';
/** 2026-11-28T10:00:00Z */
export const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);

export type TestActor = { id: string; kind: 'prescriber' | 'pharmacy'; key: SigningKey };
export type CallOptions = {
  body?: unknown;
  /** Raw body text, sent as is (overrides `body`). */
  raw?: string;
  sub?: string;
  headers?: Record<string, string>;
  /** Replace the request token (e.g. a forged one), or tweak what is signed. */
  token?: string;
  tokenPath?: string;
  tokenMethod?: string;
  tokenBody?: string;
  tokenNow?: number;
  lifetime?: number;
  jti?: string;
  aud?: string;
  key?: SigningKey;
};

export type HarnessOptions = {
  env?: Record<string, string>;
  preparedCommit?: boolean;
  /** Start from a copy of this database file (one written by an earlier version, say), with `keys`. */
  fromDatabase?: string;
  /** Fixed keys instead of fresh ones: the token key (base64url), the receipt key (private JWK), the admin token. */
  keys?: { tokenKey: string; signingKey: JWK; adminToken: string };
  /** The issuer (`aud` of what the harness signs); ISSUER by default. */
  issuer?: string;
  /** The clock's first reading (epoch ms); T0 by default. */
  now?: number;
  /** The crypto suite; Node's by default. */
  crypto?: CryptoSuite;
  /** Commit through a writer thread, as `npm start` with ORDO_WORKERS=1 does (src/node/writer-thread.ts). */
  writerThread?: boolean;
  /** On PostgreSQL: a new database on the tests' server (test/support/postgres.ts) instead of a SQLite file. */
  postgres?: boolean;
};

/** Every commit path a test of writes runs on: SQLite's two (prepared statements, Node's; query-builder batches, D1's shape) and PostgreSQL's transaction. */
export const COMMIT_PATHS: [string, HarnessOptions][] = [
  ['SQLite, prepared commit', { preparedCommit: true }],
  ['SQLite, query-builder commit', { preparedCommit: false }],
  ['PostgreSQL', { postgres: true }],
];

export async function makeHarness(opts: HarnessOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-test-'));
  const dbFile = join(dir, 'ordo.db');
  if (opts.fromDatabase) copyFileSync(opts.fromDatabase, dbFile);
  const migrationsFolder = join(import.meta.dirname, '../../drizzle');
  const pgDatabase = opts.postgres ?? (process.env.ORDO_TEST_STORE === 'postgres' && !opts.fromDatabase && !opts.writerThread) ? await freshDatabase() : undefined;
  const sqlite = pgDatabase ? undefined : openSqlite(dbFile, { migrationsFolder, packer: opts.crypto ?? nodeSuite, preparedCommit: opts.preparedCommit });
  const pgStore = pgDatabase && (await openPostgres(pgDatabase.url, { migrationsFolder: join(migrationsFolder, 'pg'), packer: opts.crypto ?? nodeSuite, poolSize: 10 }));
  const store: Store = sqlite?.store ?? pgStore!;
  // The SQLite database, for the tests that look into it (a PostgreSQL harness has none).
  const db = sqlite?.db as Database.Database;
  const writer = opts.writerThread ? await startWriterThread(dbFile, migrationsFolder) : undefined;
  if (writer) store.commit = commitThroughWriter(sqlite!.store, writer.channel);
  const issuer = opts.issuer ?? ISSUER;
  const clock = { now: opts.now ?? T0 };
  /** What clients sign with, ahead of `clock` by `offset` ms: a sandbox's time (its tests set it after each move). */
  const signing = { offset: 0 };
  const logs: LogLine[] = [];
  const adminToken = opts.keys?.adminToken ?? base64url.encode(randomBytes(32));
  const suite = opts.crypto ?? nodeSuite;
  const tokenRaw = opts.keys ? base64url.decode(opts.keys.tokenKey) : randomBytes(32);
  const deps: Deps = {
    store,
    crypto: suite,
    config: parseConfig({ ORDO_ISSUER: issuer, ...opts.env }),
    keys: {
      adminToken,
      signer: await loadSigner(opts.keys?.signingKey ?? (await generateSigningJwk()), suite),
      retired: [],
      tokenKey: await loadTokenKey(tokenRaw),
      logKey: await deriveLogKey(tokenRaw, suite),
    },
    clock: () => clock.now,
    log: (line) => logs.push(line),
    clientAddress: (c) => c.req.header('x-test-client') ?? '192.0.2.1',
    asset: publicAssets(publicDir),
  };
  const app = createApp(deps);
  let seq = 0;

  /** Set by `listen()`: requests then go over real HTTP to a listening server. */
  let baseUrl: string | undefined;
  let server: ServerType | undefined;
  /** Set by `spreadOver()`: requests then go to these servers in turn (other Ordo processes on the same database). */
  let servers: string[] = [];
  let turn = 0;
  const send = (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const req = { method, body: init.body, headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers } };
    const base = servers.length ? servers[turn++ % servers.length] : baseUrl;
    return base ? fetch(`${base}${path}`, req) : app.request(path, req);
  };
  const pgQueries = pgDatabase && new pg.Pool({ connectionString: pgDatabase.url, max: 2, types: { getTypeParser: (oid: number, format?: string) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) } as pg.CustomTypesConfig });
  /**
   * The rows of a query on the database, whichever it is: `?` placeholders, columns by their SQL
   * names; on PostgreSQL an int8 reads as a number.
   */
  async function rows<T = Record<string, unknown>>(query: string, ...params: unknown[]): Promise<T[]> {
    if (!pgQueries) return db.prepare(query).all(...params) as T[];
    let n = 0;
    return (await pgQueries.query(query.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
  }
  async function listen() {
    await new Promise<void>((ready) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        baseUrl = `http://127.0.0.1:${info.port}`;
        ready();
      });
    });
    return baseUrl!;
  }

  async function admin(method: string, path: string, body?: unknown) {
    return send(method, path, { body: body === undefined ? undefined : JSON.stringify(body), headers: { authorization: `Bearer ${adminToken}` } });
  }

  async function addActor(kind: 'prescriber' | 'pharmacy', o: { id?: string; keyType?: 'Ed25519' | 'P-256'; name?: string } = {}): Promise<TestActor> {
    const key = await generateKey(o.keyType ?? 'Ed25519');
    const id = o.id ?? `${kind === 'prescriber' ? '1000' : '7500'}${String(++seq).padStart(7, '0')}`;
    const res = await admin('POST', '/v1/admin/actors', {
      id, kind, name: o.name ?? (kind === 'prescriber' ? 'Dr Claire Roussel' : 'Pharmacie des Lilas'),
      profession: kind === 'prescriber' ? 'médecin' : 'pharmacien', keys: [key.publicJwk],
    });
    if (res.status !== 201) throw new Error(`addActor: ${res.status} ${await res.text()}`);
    return { id, kind, key };
  }

  /** A request signed by `actor` as Ordo expects it, unless the options bend it. */
  async function call(actor: TestActor | null, method: string, path: string, o: CallOptions = {}) {
    const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
    const headers: Record<string, string> = { ...o.headers };
    if (actor) {
      const token =
        o.token ??
        (await signRequestToken({
          key: o.key ?? actor.key, iss: actor.id, aud: o.aud ?? issuer, method: o.tokenMethod ?? method, path: o.tokenPath ?? path.split('?')[0]!,
          body: o.tokenBody ?? body, sub: o.sub, now: o.tokenNow ?? Math.floor((clock.now + signing.offset) / 1000), lifetime: o.lifetime, jti: o.jti,
        }));
      headers.authorization = `Bearer ${token}`;
    }
    return send(method, path, { body, headers });
  }

  return {
    app, deps, store, db, dbFile, dir, clock, signing, pgUrl: pgDatabase?.url, rows,
    row: async <T = Record<string, unknown>>(query: string, ...params: unknown[]) => (await rows<T>(query, ...params))[0],
    spreadOver: (urls: string[]) => void (servers = urls), logs, adminToken, admin, addActor, call, send,
    advance: (ms: number) => (clock.now += ms),
    listen,
    close: async () => {
      if (server) await new Promise((done) => server!.close(done));
      await writer?.close();
      sqlite?.db.close();
      await pgQueries?.end();
      await pgStore?.close();
      await pgDatabase?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Harness = Awaited<ReturnType<typeof makeHarness>>;

/**
 * A harness with one prescriber and one pharmacy, for a test file's top level
 * (`const { h, doctor, pharmacy } = await withCast();`): closed after the file's tests.
 */
export async function withCast(opts: HarnessOptions = {}) {
  const h = await makeHarness(opts);
  afterAll(() => h.close());
  return { h, doctor: await h.addActor('prescriber'), pharmacy: await h.addActor('pharmacy') };
}

/** The design's example prescription, for `iss` at the harness clock. */
export function rxPayload(iss: string, nowMs: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss, aud: ISSUER, jti: `rx-${base64url.encode(randomBytes(9))}`, iat: Math.floor(nowMs / 1000),
    prescriber: { name: 'Dr Claire Roussel', profession: 'médecin', structure: { id: '750012345', name: 'Cabinet des Lilas' } },
    patient: {
      family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12', sex: 'female',
      ins: { value: '248037512345678', oid: '1.2.250.1.213.1.4.8', qualified: true }, weightKg: 61,
    },
    items: [
      { code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g, comprimé', activeIngredient: 'paracétamol',
        dosage: '1 comprimé 3 fois par jour', quantity: 2, unit: 'boîte', supplyDays: 30, renewals: 2, substitutable: true },
    ],
    renewals: 0, controlled: false, replaces: null, externalIds: [],
    ...over,
  };
}

/** Issues a prescription and returns the answer body (throws unless 201). */
export async function issue(h: Harness, prescriber: TestActor, over: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const jws = await signDocument(prescriber.key, 'ordo-rx+jwt', rxPayload(prescriber.id, h.clock.now + h.signing.offset, over));
  const res = await h.call(prescriber, 'POST', '/v1/prescriptions', { body: { prescription: jws, ...extra } });
  const body = (await res.json()) as Record<string, any>;
  if (res.status !== 201) throw new Error(`issue: ${res.status} ${JSON.stringify(body)}`);
  return { ...body, jws } as { id: string; code: string; payload: string; status: string; validUntil: string; receipt: string; jws: string; datamatrix?: any };
}
