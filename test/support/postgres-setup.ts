/**
 * A real PostgreSQL server for the tests (vitest globalSetup): ORDO_TEST_PG when it is set (a
 * server's URL, e.g. postgres://postgres@127.0.0.1:5432/postgres), otherwise a throwaway cluster
 * started here from Debian's `postgresql` package (initdb in a temporary folder, on a free
 * port, stopped and removed after the run). initdb refuses to run as root: as root, the cluster
 * belongs to the `postgres` user the package creates. Tests reach it by `inject('pgUrl')`, each
 * file in databases of its own (test/support/postgres.ts).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { pgBin } from './postgres-bin.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres } from '../../src/store/pg/open.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { withDatabase } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server, as a URL to its `postgres` database. */
    pgUrl: string;
    /** A database of its own, migrated, for the Worker's tests through Hyperdrive. */
    pgWorkersUrl: string;
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

export default async function setup(project: TestProject) {
  if (process.env.ORDO_TEST_PG) {
    await provide(project, process.env.ORDO_TEST_PG);
    return;
  }
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), 'ordo-pg-'));
  const root = process.getuid?.() === 0;
  chmodSync(dir, 0o755);
  if (root) execFileSync('chown', ['postgres:postgres', dir]);
  // As root, every command runs as postgres (runuser, from util-linux, needs no password).
  const run = (cmd: string, args: string[]) => execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  run(`${bin}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on`;
  run(`${bin}/pg_ctl`, ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  await provide(project, `postgres://postgres@127.0.0.1:${port}/postgres`);
  return () => {
    try {
      run(`${bin}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Provides the server, and a new database for the Worker, migrated from here (Node): Ordo on Workers does not migrate. */
async function provide(project: TestProject, url: string) {
  project.provide('pgUrl', url);
  const name = `ordo_workers_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const workersUrl = withDatabase(url, name);
  const store = await openPostgres(workersUrl, { migrationsFolder: join(import.meta.dirname, '../../drizzle/pg'), packer: nodeSuite, poolSize: 1 });
  await store.close();
  // Miniflare wants a password in a Hyperdrive URL; the throwaway cluster trusts any.
  const u = new URL(workersUrl);
  if (!u.password) u.password = 'trusted';
  project.provide('pgWorkersUrl', u.toString());
}
