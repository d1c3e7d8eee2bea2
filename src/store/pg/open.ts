/**
 * Opening Ordo's PostgreSQL database (ORDO_DB=postgres://…): a pool of ORDO_PG_POOL connections,
 * and the migrations of `drizzle/pg/` applied first. Every process migrates at its start, one
 * at a time (an advisory lock), each finding what the one before it applied; the pending
 * migrations run in one transaction, so a failed one leaves the database as it was.
 */
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Packer } from '../codec.js';
import { PgStore } from './store.js';
import { redactedUrl } from '../../lib/postgres-url.js';


/** How long the server lets a transaction of Ordo's sit idle before it ends it (and its locks). */
export const IDLE_IN_TRANSACTION_MS = 5000;

/** pg_advisory_lock's key for migrating: "Ordo" in ASCII. */
const MIGRATION_LOCK = 0x4f72646f;

/** Why the database could not be opened or migrated, naming it (never its password) and the cause. */
export class PgOpenError extends Error {
  override name = 'PgOpenError';
  static of(url: string, err: unknown, migrating = false) {
    // drizzle wraps a failed statement ("Failed query: <the SQL>"): the server's own error is its cause.
    const e = ((err as { cause?: unknown }).cause ?? err) as { code?: string; message?: string };
    const server = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
    const cause = e.code && !server ? `${e.code}${e.message ? `: ${e.message}` : ''}` : (e.message ?? String(err));
    const what = migrating && server ? `a migration failed (${cause}); none of the pending migrations was applied` : cause;
    return new PgOpenError(`cannot open the PostgreSQL database ${redactedUrl(url)}: ${what}`.replace(/\s*\n\s*/g, ' '));
  }
}

export type PgStoreOptions = {
  migrationsFolder: string;
  packer: Packer;
  /** Connections this process keeps (ORDO_PG_POOL). */
  poolSize: number;
};

/** Opens the pool, migrates (once per database at a time), and returns the store; throws PgOpenError. */
export async function openPostgres(url: string, opts: PgStoreOptions): Promise<PgStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize,
    connectionTimeoutMillis: 10_000,
    // A transaction of Ordo's is a few round trips. One left open by a host that vanished (a
    // network partition: no reset reaches the server) would hold event_seq, and with it every
    // commit of every process, until TCP gave up: the server ends it after this idle time instead.
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
    keepAlive: true,
  });
  // A connection that breaks while idle (the server restarted) is dropped by the pool; without a
  // listener its error would stop the process.
  pool.on('error', () => {});
  let migrating = false;
  try {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      migrating = true;
      await migrate(drizzle({ client }), { migrationsFolder: opts.migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw PgOpenError.of(url, err, migrating);
  }
  return new PgStore(pool, opts.packer);
}
