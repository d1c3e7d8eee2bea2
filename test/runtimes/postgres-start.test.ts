/**
 * Ordo on PostgreSQL as an operator meets it: `npm start` with ORDO_DB=postgres://… migrates an
 * empty database and serves (the banner names it without its password), several processes
 * starting at once migrate it once, a database that cannot be reached stops the start with one
 * line and exit code 2, `ordo migrate` migrates without starting, and `ordo backup` points to
 * pg_dump.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url } from 'jose';
import pg from 'pg';
import { randomBytes } from '../../src/crypto/hash.js';
import { generateSigningJwk } from '../../src/crypto/ordo-keys.js';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, killGroup, runOrdoProcessToExit, startOrdoProcess } from '../support/ordo-process.js';
import { freshDatabase } from '../support/postgres.js';
import { expectRefusal, runOrdo } from '../support/run-ordo.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-pg-start-'));
const drops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const drop of drops) await drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A new database, with a password in its URL (trusted by the tests' server, so any will do). */
async function database() {
  const d = await freshDatabase();
  drops.push(d.drop);
  const u = new URL(d.url);
  u.password = 'hunter2-secret';
  return { ...d, url: u.toString() };
}

const tables = async (url: string) => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r: { tablename: string }) => r.tablename);
  } finally {
    await c.end();
  }
};

describe('npm start on PostgreSQL', () => {
  it('migrates an empty database, serves, and never shows the password', async () => {
    const db = await database();
    const port = await freePort();
    const { child, stderr } = await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: '2', ORDO_DB: db.url, ORDO_SECRETS: join(dir, 'secrets-a') });
    try {
      expect(stderr()).toContain('(2 processes;');
      expect(stderr()).toContain(`database: ${db.url.replace('hunter2-secret', '***')}`);
      expect(stderr()).not.toContain('hunter2-secret');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok', database: 'ok' }]);
      expect(await tables(db.url)).toEqual(['actor_keys', 'actors', 'code_attempts', 'crls', 'dispensations', 'event_seq', 'events', 'feed', 'feed_readers', 'key_certificates', 'log_checkpoints', 'log_cosignatures', 'log_tiles', 'ordo_keys', 'prescriptions', 'receipt_signers', 'request_tokens', 'sandbox']);
    } finally {
      await killGroup(child, 'SIGTERM');
    }
  });

  it('two Ordo started at once on one empty database with the same keys: both serve, the migrations applied once', async () => {
    const db = await database();
    const env = { ORDO_WORKERS: '1', ORDO_DB: db.url, ORDO_TOKEN_KEY: base64url.encode(randomBytes(32)), ORDO_SIGNING_KEY: JSON.stringify(await generateSigningJwk()), ORDO_ADMIN_TOKEN: base64url.encode(randomBytes(32)) };
    const started = await Promise.all([0, 1].map(async (i) => startOrdoProcess({ ...env, PORT: String(await freePort()), ORDO_SECRETS: join(dir, `secrets-both-${i}`) })));
    try {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const applied = (await c.query('SELECT count(*)::int n FROM drizzle.__drizzle_migrations')).rows[0].n as number;
      const keys = (await c.query('SELECT kind FROM ordo_keys ORDER BY kind')).rows.map((r: { kind: string }) => r.kind);
      await c.end();
      // Each migration of drizzle/pg once.
      expect(applied).toBe(readdirSync(join(import.meta.dirname, '../../drizzle/pg')).filter((f) => f.endsWith('.sql')).length);
      expect(keys).toEqual(['signing', 'token']);
    } finally {
      for (const s of started) await killGroup(s.child, 'SIGTERM');
    }
  });

  it('two Ordo started at once with secrets of their own: one serves, the other is refused, the database records one set of keys', async () => {
    const db = await database();
    const runs = await Promise.all([0, 1].map(async (i) => {
      const port = await freePort();
      return startOrdoProcess({ ORDO_WORKERS: '1', ORDO_DB: db.url, PORT: String(port), ORDO_SECRETS: join(dir, `secrets-own-${i}`) }).then(
        (s) => ({ started: s }),
        (err: Error) => ({ refused: err.message }),
      );
    }));
    try {
      expect(runs.filter((r) => 'started' in r)).toHaveLength(1);
      const refused = runs.find((r) => 'refused' in r) as { refused: string };
      expect(refused.refused).toMatch(/the database postgres:\/\/postgres:\*\*\*@.* (was sealed under token key|has receipts signed by|are signed by)/);
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const keys = (await c.query('SELECT kind FROM ordo_keys ORDER BY kind')).rows.map((r: { kind: string }) => r.kind);
      await c.end();
      expect(keys).toEqual(['signing', 'token']);
    } finally {
      for (const r of runs) if ('started' in r) await killGroup(r.started.child, 'SIGTERM');
    }
  });

  it('stops with one line and exit code 2 when the database cannot be reached', async () => {
    const r = await runOrdoProcessToExit({ PORT: String(await freePort()), ORDO_DB: 'postgres://ordo:hunter2-secret@127.0.0.1:1/ordo', ORDO_SECRETS: join(dir, 'secrets-b') });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ORDO_DB: cannot open the PostgreSQL database postgres:\/\/ordo:\*\*\*@127\.0\.0\.1:1\/ordo: ECONNREFUSED/);
    expect(r.stderr).not.toContain('hunter2-secret');
  });

  it('a migration that fails leaves the database as it was, and the start stops with one line naming ORDO_DB', async () => {
    const db = await database();
    // Something of the operator's own that the first migration collides with (CREATE TABLE events).
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('CREATE TABLE events (note text)');
    await c.end();
    const r = await runOrdoProcessToExit({ PORT: String(await freePort()), ORDO_DB: db.url, ORDO_SECRETS: join(dir, 'secrets-d') });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ORDO_DB: cannot open the PostgreSQL database .*: a migration failed \(relation "events" already exists\); none of the pending migrations was applied$/m);
    expect(await tables(db.url)).toEqual(['events']); // nothing of the migration stayed
  });

  it('refuses ORDO_DB that is a postgres:// URL but not a URL, and ORDO_PG_POOL out of range', async () => {
    const bad = await runOrdoProcessToExit({ PORT: String(await freePort()), ORDO_DB: 'postgres://[nope', ORDO_PG_POOL: '0', ORDO_SECRETS: join(dir, 'secrets-c') });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ORDO_DB: .*a PostgreSQL URL/);
    expect(bad.stderr).toMatch(/ORDO_PG_POOL: a whole number of connections, 1 to 1000/);
  });
});

describe('ordo migrate and ordo backup on PostgreSQL', () => {
  it('ordo migrate migrates without starting; a database out of reach is one line, exit 1', async () => {
    const db = await database();
    const r = await runOrdo(['migrate', '--db', db.url], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('is migrated (drizzle/pg)');
    expect(r.out).not.toContain('hunter2-secret');
    expect(await tables(db.url)).toContain('events');
    expect((await runOrdo(['migrate', '--db', db.url], { cwd: dir })).code).toBe(0); // again: nothing pending
    expectRefusal(await runOrdo(['migrate', '--db', 'postgres://ordo:hunter2-secret@127.0.0.1:1/ordo'], { cwd: dir }), /cannot open the PostgreSQL database postgres:\/\/ordo:\*\*\*@127\.0\.0\.1:1\/ordo/);
  });

  it('ordo backup refuses a PostgreSQL URL and says what to use', async () => {
    expectRefusal(await runOrdo(['backup', join(dir, 'copy.db'), '--db', 'postgres://ordo@127.0.0.1/ordo'], { cwd: dir }), /pg_dump/);
  });
});
