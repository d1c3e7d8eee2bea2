/**
 * The Store on better-sqlite3: the shared drizzle store, with a transition committed through
 * statements prepared once (the query builder would re-prepare on every call) inside one
 * synchronous transaction, so nothing interleaves inside it.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { conflictOf, DrizzleStore, type Db } from './drizzle-store.js';
import * as s from './schema.js';
import { CommitConflict, type Store, type Transition } from './types.js';

export type SqliteStoreOptions = {
  migrationsFolder: string;
  /** false: commit through the query builder as D1 does (tests use it to prove that path on Node). */
  preparedCommit?: boolean;
};

/**
 * Opens (creating if needed) and migrates the database. WAL lets reads go on during a write;
 * `synchronous = FULL` makes each commit durable before Ordo answers, which is what a receipt
 * promises (NORMAL could lose the last commits on power loss).
 */
export function openSqlite(file: string, opts: SqliteStoreOptions): { store: Store; db: Database.Database } {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const sync = drizzle({ client: sqlite, schema: s });
  migrate(sync, { migrationsFolder: opts.migrationsFolder });
  // Seen through the async type (see Db); better-sqlite3 answers synchronously underneath.
  const db = sync as unknown as Db;
  const store = opts.preparedCommit === false ? new DrizzleStore(db, transactionOf(sqlite)) : new SqliteStore(db, sqlite);
  return { store, db: sqlite };
}

/** better-sqlite3's `atomic`: the queries run in one synchronous transaction. */
const transactionOf = (sqlite: Database.Database) => async (queries: unknown[]) => {
  sqlite.transaction(() => {
    for (const q of queries) (q as { run: () => unknown }).run();
  })();
};

class SqliteStore extends DrizzleStore {
  constructor(db: Db, private readonly sqlite: Database.Database) {
    super(db, transactionOf(sqlite));
  }

  override async commit(t: Transition) {
    const q = this.q;
    try {
      this.sqlite.transaction(() => {
        if ('insert' in t.prescription) {
          q.insertPrescription.run(t.prescription.insert);
        } else {
          const { id, expectedVersion, set: state } = t.prescription;
          // Synchronous underneath (better-sqlite3), whatever the async type says.
          const r = q.updatePrescription.run({ ...state, id, expectedVersion }) as unknown as { changes: number };
          if (r.changes !== 1) throw new CommitConflict('version');
        }
        const id = 'insert' in t.prescription ? t.prescription.insert.id : t.prescription.id;
        for (const r of t.reseal ?? []) q.reseal.run({ id, idx: r.idx, proof: r.proof });
        for (const e of t.events) q.insertEvent.run(e);
        if (t.token) q.insertToken.run(t.token);
        if (t.dispensation) q.insertDispensation.run(t.dispensation);
      })();
    } catch (err) {
      if (err instanceof CommitConflict) throw err;
      throw conflictOf(err);
    }
  }
}
