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

/**
 * Group commit. A transition is durable once its transaction's commit has reached the disk
 * (`synchronous = FULL`), and that flush, not the CPU, bounds how many writes a second one
 * process can answer. So the transitions that arrive during one turn of the event loop are
 * written together: one transaction, one flush, each transition inside its own savepoint (a
 * version conflict or a replayed token rolls back that transition alone and is reported to it
 * alone). Nobody is answered before the shared commit has returned.
 */
type Pending = { t: Transition; resolve: () => void; reject: (err: unknown) => void };

class SqliteStore extends DrizzleStore {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(db: Db, private readonly sqlite: Database.Database) {
    super(db, transactionOf(sqlite));
  }

  override commit(t: Transition): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ t, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush() {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const failures = new Map<Pending, unknown>();
    try {
      this.sqlite.transaction(() => {
        for (const item of batch) {
          try {
            this.sqlite.transaction(() => this.apply(item.t))(); // nested: a savepoint
          } catch (err) {
            failures.set(item, err instanceof CommitConflict ? err : conflictOf(err));
          }
        }
      })();
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing of the batch was written.
      for (const item of batch) item.reject(err);
      return;
    }
    for (const item of batch) {
      if (failures.has(item)) item.reject(failures.get(item));
      else item.resolve();
    }
  }

  private apply(t: Transition) {
    const q = this.q;
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
  }
}
