/**
 * A database goes with its keys. Ordo records in the database the id of every token key that
 * sealed it and of every receipt key that signed in it (`ordo_keys`; a database from before takes
 * them from its prescriptions and receipts), and refuses to start — exit 2, one line naming the
 * key, the database and what to do, nothing generated — on keys that do not match: an empty or
 * foreign secrets folder, another ORDO_TOKEN_KEY, a missing signing-key.jwk whose receipts nothing
 * would verify. The matching secrets folder, a rotation (`ordo rotate-signing-key`) and a retired
 * key keep starting. (On Workers: test/workers/token-key-guard.test.ts.)
 */
import Database from 'better-sqlite3';
import { base64url, type JWK } from 'jose';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { generateKey } from '../../src/client/sign.js';
import { generateSigningJwk, loadTokenKey, publicReceiptJwk } from '../../src/crypto/ordo-keys.js';
import { startNode } from '../../src/node/server.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { runOrdoProcessToExit } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-key-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dbFile = join(dir, 'data/ordo.db');
const secrets = join(dir, 'secrets');
const env = (extra: Record<string, string> = {}) => ({ PORT: '0', ORDO_DB: dbFile, ORDO_SECRETS: secrets, ...extra });
const start = (extra: Record<string, string> = {}) => startNode({ env: env(extra), log: () => {} });
/** `npm start` on one process, expected to refuse. */
const refusedStart = (extra: Record<string, string>) => runOrdoProcessToExit({ ...env(extra), ORDO_WORKERS: '1' });

let code: string;
let tokenKeyId: string;
let signingKid: string;

/** A refusal as promised: exit 2, one line on stderr matching every pattern, no stack trace. */
function expectRefused(r: { code: number | null; stderr: string }, ...patterns: RegExp[]) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  for (const p of patterns) expect(r.stderr).toMatch(p);
}
const esc = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
const restore = /restore the secrets folder that goes with this database .*docs\/operations\.md/;
const files = (folder: string) => (existsSync(folder) ? readdirSync(folder).sort() : []);

beforeAll(async () => {
  // Deployment A: one prescription sealed under its token key, with a receipt by its signing key.
  const a = await start();
  try {
    tokenKeyId = a.deps.keys.tokenKey.id;
    signingKid = a.deps.keys.signer.kid;
    const ordo = new OrdoClient({ url: `http://127.0.0.1:${a.port}`, issuer: a.deps.config.issuer, adminToken: a.deps.keys.adminToken });
    const doctor = { id: 'guard-md', key: await generateKey() };
    await ordo.addActor({ id: doctor.id, kind: 'prescriber', name: 'Dr Garde', keys: [doctor.key.publicJwk] });
    code = (
      await ordo.as(doctor).prescribe({
        patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
        items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3', quantity: 1, unit: 'boîte' }],
      })
    ).code;
  } finally {
    await a.close();
  }
});

describe('the database records the keys it goes with', () => {
  it('records the token key id and the receipt key id at start', () => {
    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db.prepare('select kind, id from ordo_keys order by kind').all();
      expect(rows).toEqual([
        { kind: 'signing', id: signingKid },
        { kind: 'token', id: tokenKeyId },
      ]);
    } finally {
      db.close();
    }
  });
});

describe('refused at start, exit 2, one line, nothing generated', () => {
  it('an empty secrets folder (new or existing) on a database sealed under another token key', async () => {
    const fresh = join(dir, 'fresh-secrets');
    const r = await refusedStart({ ORDO_SECRETS: fresh });
    expectRefused(r, esc(fresh), /token-key/, esc(dbFile), esc(tokenKeyId), restore, /nothing was generated/);
    expect(existsSync(fresh)).toBe(false);

    const empty = join(dir, 'empty-secrets');
    mkdirSync(empty, { mode: 0o700 });
    expectRefused(await refusedStart({ ORDO_SECRETS: empty }), esc(empty), /token-key/, esc(dbFile), restore);
    expect(files(empty)).toEqual([]);
  });

  it('ORDO_TOKEN_KEY set to another key: names the variable, never the value', async () => {
    const other = base64url.encode(randomBytes(32));
    const r = await refusedStart({ ORDO_TOKEN_KEY: other });
    expectRefused(r, /ORDO_TOKEN_KEY/, esc(dbFile), esc(tokenKeyId), esc((await loadTokenKey(base64url.decode(other))).id), restore);
    expect(r.stderr).not.toContain(other);
  });

  it("another deployment's token-key file: names the file", async () => {
    const foreign = join(dir, 'foreign-secrets');
    cpSync(secrets, foreign, { recursive: true });
    writeFileSync(join(foreign, 'token-key'), `${base64url.encode(randomBytes(32))}\n`);
    expectRefused(await refusedStart({ ORDO_SECRETS: foreign }), esc(join(foreign, 'token-key')), esc(dbFile), restore);
  });

  it('a database from before the keys were recorded: its prescriptions name the token key, its receipts the signing key', async () => {
    const legacy = join(dir, 'legacy/ordo.db');
    mkdirSync(join(dir, 'legacy'));
    cpSync(dbFile, legacy); // alone: A stopped cleanly
    // Receipts as text, as a database from before packing holds them (read through the store, which rebuilds them).
    const opened = openSqlite(legacy, { migrationsFolder: join(import.meta.dirname, '../../drizzle'), packer: nodeSuite });
    const ids = (opened.db.prepare('select distinct prescription_id id from events').all() as { id: string }[]).map((r) => r.id);
    for (const id of ids) {
      for (const e of await opened.store.getEvents(id)) {
        opened.db.prepare('update events set receipt = ?, receipt_sig = null, receipt_signer = null, claimed_until = null where prescription_id = ? and idx = ?').run(e.receipt, id, e.idx);
      }
    }
    opened.store.close();
    const db = new Database(legacy);
    db.exec('drop table if exists receipt_signers');
    // Undo what the migrations after the first made, and forget them, as a database made before them would be.
    db.exec('drop table if exists ordo_keys');
    db.exec('drop index if exists prescriptions_clear_terms');
    db.exec('drop index if exists prescriptions_held');
    for (const t of ['log_tiles', 'log_checkpoints', 'log_cosignatures', 'feed', 'feed_readers', 'sandbox', 'key_certificates', 'crls']) db.exec(`drop table if exists ${t}`);
    for (const c of ['valid_from', 'valid_until', 'x5c', 'cas']) db.exec(`alter table actor_keys drop column ${c}`);
    db.exec('delete from __drizzle_migrations where created_at > (select min(created_at) from __drizzle_migrations)');
    db.close();
    const fresh = join(dir, 'legacy-secrets');
    const r = await refusedStart({ ORDO_DB: legacy, ORDO_SECRETS: fresh });
    expectRefused(r, esc(legacy), esc(tokenKeyId), esc(signingKid), restore);
    expect(existsSync(fresh)).toBe(false);
    // With the secrets that go with it, it starts, and records what its rows named.
    const s = await startNode({ env: { PORT: '0', ORDO_DB: legacy, ORDO_SECRETS: secrets }, log: () => {} });
    await s.close();
    const after = new Database(legacy, { readonly: true });
    expect(after.prepare('select kind, id from ordo_keys order by kind').all()).toEqual([
      { kind: 'signing', id: signingKid },
      { kind: 'token', id: tokenKeyId },
    ]);
    after.close();
  });

  it('signing-key.jwk missing while receipts are signed by a key neither current nor retired', async () => {
    const partial = join(dir, 'no-signing-key');
    cpSync(secrets, partial, { recursive: true });
    rmSync(join(partial, 'signing-key.jwk'));
    const before = files(partial);
    expectRefused(await refusedStart({ ORDO_SECRETS: partial }), esc(partial), /signing-key\.jwk/, esc(signingKid), restore, /nothing was generated/);
    expect(files(partial)).toEqual(before);
  });

  it('ORDO_SIGNING_KEY set to a key that is not the one the receipts were signed with, nor retired', async () => {
    const r = await refusedStart({ ORDO_SIGNING_KEY: JSON.stringify(await generateSigningJwk()) });
    expectRefused(r, /ORDO_SIGNING_KEY/, esc(signingKid), esc(dbFile));
  });
});

describe('still starts', () => {
  it('with the secrets folder that goes with the database: the old code still answers', async () => {
    const s = await start();
    try {
      expect(s.generated).toEqual([]);
      const ordo = new OrdoClient({ url: `http://127.0.0.1:${s.port}`, issuer: s.deps.config.issuer });
      expect((await ordo.lookup(code)).status).toBe('active');
    } finally {
      await s.close();
    }
  });

  it('without signing-key.jwk when the key that signed is retired: a new one is generated', async () => {
    const retiredOnly = join(dir, 'retired-only');
    cpSync(secrets, retiredOnly, { recursive: true });
    const old = JSON.parse(readFileSync(join(retiredOnly, 'signing-key.jwk'), 'utf8')) as JWK;
    writeFileSync(join(retiredOnly, 'retired-signing-keys.json'), JSON.stringify([(await publicReceiptJwk(old)).publicJwk]));
    rmSync(join(retiredOnly, 'signing-key.jwk'));
    const s = await start({ ORDO_SECRETS: retiredOnly });
    try {
      expect(s.generated).toEqual(['signing-key.jwk']);
      expect(s.deps.keys.retired.map((k) => k.kid)).toEqual([signingKid]);
    } finally {
      await s.close();
    }
  });

  it('on a new database with a new secrets folder', async () => {
    const s = await startNode({ env: { PORT: '0', ORDO_DB: join(dir, 'other/ordo.db'), ORDO_SECRETS: join(dir, 'other-secrets') }, log: () => {} });
    await s.close();
    expect(s.generated.sort()).toEqual(['admin-token', 'signing-key.jwk', 'token-key']);
  });
});

describe("the log goes with its note key and keeps its origin", () => {
  const logDir = join(dir, 'log');
  const logEnv = (extra: Record<string, string> = {}) => ({ PORT: '0', ORDO_DB: join(logDir, 'data/ordo.db'), ORDO_SECRETS: join(logDir, 'secrets'), ...extra });
  const originOf = async (port: number) => (await (await fetch(`http://127.0.0.1:${port}/log/checkpoint`)).text()).split('\n')[0];

  it('keeps the origin across restarts on other ports; refuses another note key or origin, exit 2, naming the variable', async () => {
    const first = await startNode({ env: logEnv(), log: () => {} });
    const origin = `localhost:${first.port}/log`;
    try {
      expect(first.deps.config.log.origin).toBe(origin);
      for (let i = 0; i < 50 && (await fetch(`http://127.0.0.1:${first.port}/log/checkpoint`)).status === 404; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await originOf(first.port)).toBe(origin);
    } finally {
      await first.close();
    }
    const again = await startNode({ env: logEnv(), log: () => {} });
    try {
      expect(again.port).not.toBe(first.port);
      expect([again.deps.config.log.origin, await originOf(again.port)]).toEqual([origin, origin]);
    } finally {
      await again.close();
    }
    const otherKey = JSON.stringify(await nodeSuite.ed25519FromSeed(randomBytes(32)));
    const key = await runOrdoProcessToExit({ ...logEnv({ ORDO_LOG_KEY: otherKey }), ORDO_WORKERS: '1' });
    expectRefused(key, /ORDO_LOG_KEY: not the key that signed this database's log/, esc(origin));
    expect(key.stderr).not.toContain(otherKey);
    const named = await runOrdoProcessToExit({ ...logEnv({ ORDO_LOG_ORIGIN: 'rx.example/log' }), ORDO_WORKERS: '1' });
    expectRefused(named, /ORDO_LOG_ORIGIN: this database's log is /, esc(origin), /rx\.example\/log/);
  });
});
