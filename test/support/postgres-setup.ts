/**
 * A real PostgreSQL server for the tests (vitest globalSetup): ORDO_TEST_PG when it is set (a
 * server's URL, e.g. postgres://postgres@127.0.0.1:5432/postgres), otherwise a throwaway cluster
 * started here from Debian's `postgresql` package (initdb in a temporary folder, on a free
 * port, stopped and removed after the run). initdb refuses to run as root: as root, the cluster
 * belongs to the `postgres` user the package creates. Tests reach it by `inject('pgUrl')`, each
 * file in databases of its own (test/support/postgres.ts).
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startCluster } from './pg-cluster.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres } from '../../src/store/pg/open.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { withDatabase } from './pg-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server, as a URL to its `postgres` database. */
    pgUrl: string;
    /** A database of its own, migrated, for the Worker's tests through Hyperdrive. */
    pgWorkersUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.ORDO_TEST_PG) {
    await provide(project, process.env.ORDO_TEST_PG);
    return;
  }
  const cluster = await startCluster({ prefix: 'ordo-pg-', settings: ['max_connections=300'] });
  await provide(project, cluster.url);
  return cluster.stop;
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
