/**
 * The Store on better-sqlite3: the shared drizzle store, with a transition committed through
 * statements prepared once (the query builder would re-prepare on every call) inside one
 * synchronous transaction, so nothing interleaves inside it.
 */
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { signersIn, type Packer } from './codec.js';
import { conflictOf, DrizzleStore, type Db } from './drizzle-store.js';
import { packTransition, receiptSplits, type PackedTransition } from './packed-transition.js';
import * as s from './schema.js';
import { openPrivately, SqliteOpenError } from './sqlite-file.js';
import { CommitConflict, type Store, type Transition } from './types.js';

export { SqliteOpenError } from './sqlite-file.js';

export type SqliteStoreOptions = {
  migrationsFolder: string;
  /** The runtime's DEFLATE and SHA-256, for the packed rows (store/codec.ts): on Node, nodeSuite. */
  packer: Packer;
  /** false: commit through the query builder as D1 does (tests use it to prove that path on Node). */
  preparedCommit?: boolean;
};

/** A store on a SQLite file, which it closes: the log checkpointed into the file first. */
export type ClosableStore = Store & {
  /**
   * Commits what is queued, checkpoints the write-ahead log into the database file
   * (`wal_checkpoint(TRUNCATE)`) and closes: after a clean stop the file alone holds everything,
   * even while another connection (a cluster worker, `ordo backup`) still has it open.
   */
  close(): void;
  /** The transition packed for the writer, or undefined when the writer must pack it (SqliteStore.pack). */
  pack?(transition: Transition): PackedTransition | undefined;
  /** Commits a transition packed by `pack` (by a server, in another process or thread). */
  commitPacked?(t: PackedTransition): Promise<void>;
};

/**
 * Opens (creating if needed: folder 0700, files 0600, see sqlite-file.ts) and migrates the
 * database. WAL lets reads go on during a write; `synchronous = FULL` makes each commit durable
 * before Ordo answers, which is what a receipt promises (NORMAL could lose the last commits on
 * power loss). Throws SqliteOpenError, naming the file and the cause, when it cannot.
 */
export function openSqlite(file: string, opts: SqliteStoreOptions): { store: ClosableStore; db: Database.Database } {
  const sqlite = openPrivately(file, (path) => new Database(path));
  const sync = drizzle({ client: sqlite, schema: s });
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    migrate(sync, { migrationsFolder: opts.migrationsFolder });
  } catch (err) {
    sqlite.close();
    throw SqliteOpenError.of(file, err);
  }
  // Seen through the async type (see Db); better-sqlite3 answers synchronously underneath.
  const db = sync as unknown as Db;
  const store = opts.preparedCommit === false ? new QueryBuilderStore(db, sqlite, opts.packer) : new SqliteStore(db, sqlite, opts.packer);
  return { store, db: sqlite };
}

/**
 * Checkpoints the log into the database file, emptying it, then closes (once). A checkpoint that
 * fails loses nothing: the log stays beside the file and SQLite replays it at the next open.
 */
function checkpointAndClose(sqlite: Database.Database) {
  if (!sqlite.open) return;
  try {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // see above
  }
  sqlite.close();
}

/** Commits through the query builder, as on D1 (tests prove that path on Node with it). */
class QueryBuilderStore extends DrizzleStore implements ClosableStore {
  constructor(db: Db, private readonly sqlite: Database.Database, packer: Packer) {
    super(db, transactionOf(sqlite), packer);
  }
  close() {
    checkpointAndClose(this.sqlite);
  }
}

/** A query of drizzle's builder: its rows when it has RETURNING (`config.returning`), else its run. */
type Built = { config?: { returning?: unknown }; run: () => unknown; all: () => unknown };

/** better-sqlite3's `atomic`: the queries run in one synchronous transaction. */
const transactionOf = (sqlite: Database.Database) => async (queries: unknown[]) =>
  sqlite.transaction(() => (queries as Built[]).map((q) => (q.config?.returning ? q.all() : q.run())))();

/**
 * Group commit. A transition is durable once its transaction's commit has reached the disk
 * (`synchronous = FULL`), and that flush, not the CPU, bounds how many writes a second one
 * process can answer. So the transitions that arrive during one turn of the event loop are
 * written together: one transaction, one flush, each transition inside its own savepoint (a
 * version conflict or a replayed token rolls back that transition alone and is reported to it
 * alone). Nobody is answered before the shared commit has returned.
 */
type Pending = { t: PackedTransition; resolve: () => void; reject: (err: unknown) => void };

class SqliteStore extends DrizzleStore implements ClosableStore {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(db: Db, private readonly sqlite: Database.Database, packer: Packer) {
    super(db, transactionOf(sqlite), packer);
  }

  /** The transition packed and queued in this call (better-sqlite3 answers at once), so a close() right after writes it. */
  override commit(transition: Transition): Promise<void> {
    let t: PackedTransition | undefined;
    try {
      t = this.pack(transition, true);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.commitPacked(t!);
  }

  /**
   * The transition in its stored form, packed here (a cluster worker packs before it sends, so
   * the one writer does not). Its receipts' signers must be numbered: with `add`, the new ones
   * are added to receipt_signers; without (a reader), undefined when one is new.
   */
  pack(transition: Transition, add = false): PackedTransition | undefined {
    const splits = receiptSplits(transition);
    const signers = signersIn(splits);
    const all = () => this.sqlite.prepare('SELECT id, alg, kid, iss FROM receipt_signers').all() as never;
    if (add) {
      // Prepared only when a signer is new: once per key and issuer.
      this.signers.addNow(signers, (signer) => this.sqlite.prepare('INSERT INTO receipt_signers (alg, kid, iss) VALUES (@alg, @kid, @iss) ON CONFLICT DO NOTHING').run(signer), all);
    } else if (!this.signers.knowNow(signers, all)) {
      return undefined;
    }
    return packTransition(this.packer, transition, splits, this.signers.idOf);
  }

  /** Queues a packed transition for the next group commit. */
  commitPacked(t: PackedTransition): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ t, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  close() {
    if (this.queue.length && this.sqlite.open) this.flush();
    checkpointAndClose(this.sqlite);
  }

  private flush() {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return;
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

  private apply(t: PackedTransition) {
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
    if (t.terms) q.setTerms.run({ id, terms: t.terms });
    for (const e of t.events) q.insertEvent.run(e);
    if (t.token) q.insertToken.run(t.token);
    if (t.dispensation) q.insertDispensation.run(t.dispensation);
    const feed = this.feedWrites.prepared;
    for (const r of t.readers) feed.reader.run({ id, actorId: r.actorId, sinceIdx: r.sinceIdx });
    if (t.events.length) feed.rows.run({ id, from: t.events[0]!.idx });
  }
}
