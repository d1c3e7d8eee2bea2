/**
 * `ordo migrate`: applies the pending migrations to a database without starting Ordo. Node Ordo
 * migrates at every start; Ordo on Workers over Hyperdrive does not, so its PostgreSQL database
 * is migrated with this (or by any Node Ordo started on it) before the Worker is deployed.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeSuite } from '../node/crypto-suite.js';
import { openPostgres, PgOpenError } from '../store/pg/open.js';
import { isPostgresUrl, redactedUrl } from '../lib/postgres-url.js';
import { openSqlite, SqliteOpenError } from '../store/sqlite.js';
import { CliError } from './context.js';

const migrations = join(dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** Migrates `db` (a PostgreSQL URL or a SQLite file); returns what it names it by (never a password). */
export async function migrateDatabase(db: string): Promise<{ database: string; kind: 'postgres' | 'sqlite' }> {
  try {
    if (isPostgresUrl(db)) {
      const store = await openPostgres(db, { migrationsFolder: join(migrations, 'pg'), packer: nodeSuite, poolSize: 1 });
      await store.close();
      return { database: redactedUrl(db), kind: 'postgres' };
    }
    openSqlite(db, { migrationsFolder: migrations, packer: nodeSuite }).store.close();
    return { database: db, kind: 'sqlite' };
  } catch (err) {
    if (err instanceof PgOpenError || err instanceof SqliteOpenError) throw new CliError(err.message);
    throw err;
  }
}
