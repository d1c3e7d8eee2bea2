/**
 * The Store on better-sqlite3. Every hot query is prepared once (drizzle `.prepare()` with
 * placeholders); a transition is one synchronous transaction, so nothing interleaves inside it.
 */
import Database from 'better-sqlite3';
import { and, asc, desc, eq, getTableColumns, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as s from './schema.js';
import { CommitConflict, type ActorRow, type KeyRow, type ListQuery, type Store, type Transition, type TokenUse } from './types.js';

const p = sql.placeholder;
const set = (name: string) => sql`${p(name)}`;

const stateColumns = ['status', 'version', 'headHash', 'codeVersion', 'tokenKeyId', 'progress', 'claimId', 'claimPharmacy', 'claimExpiresAt', 'claimTtl', 'cancelReason', 'updatedAt'] as const;
const eventColumns = ['prescriptionId', 'idx', 'type', 'at', 'actor', 'claim', 'proof', 'proofHash', 'prevHash', 'hash', 'receipt'] as const;

export type SqliteStoreOptions = { migrationsFolder: string };

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
  const db = drizzle({ client: sqlite, schema: s });
  migrate(db, { migrationsFolder: opts.migrationsFolder });
  return { store: new SqliteStore(db, sqlite), db: sqlite };
}

/** Maps a constraint failure to the conflict it means, or rethrows. */
function conflictOf(err: unknown): CommitConflict {
  const e = (err as { cause?: unknown }).cause ?? err;
  const msg = e instanceof Error ? e.message : '';
  if (!/constraint failed/i.test(msg)) throw err;
  if (msg.includes('request_tokens')) return new CommitConflict('token');
  if (msg.includes('dispensations')) return new CommitConflict('dispensation');
  if (msg.includes('events.')) return new CommitConflict('version');
  return new CommitConflict('document');
}

class SqliteStore implements Store {
  readonly #q;

  constructor(
    private readonly db: BetterSQLite3Database<typeof s>,
    private readonly sqlite: Database.Database,
  ) {
    this.#q = {
      actor: db.select().from(s.actors).where(eq(s.actors.id, p('id'))).prepare(),
      actorKeys: db.select().from(s.actorKeys).where(eq(s.actorKeys.actorId, p('id'))).orderBy(asc(s.actorKeys.addedAt)).prepare(),
      signingKey: db
        .select({ actor: s.actors, key: s.actorKeys })
        .from(s.actorKeys)
        .innerJoin(s.actors, eq(s.actors.id, s.actorKeys.actorId))
        .where(and(eq(s.actorKeys.actorId, p('actorId')), eq(s.actorKeys.kid, p('kid'))))
        .prepare(),
      prescription: db.select().from(s.prescriptions).where(eq(s.prescriptions.id, p('id'))).prepare(),
      byDocument: db
        .select()
        .from(s.prescriptions)
        .where(and(eq(s.prescriptions.prescriberId, p('prescriberId')), eq(s.prescriptions.docJti, p('jti'))))
        .prepare(),
      byClaim: db
        .select({ id: s.events.prescriptionId, actor: s.events.actor })
        .from(s.events)
        .where(and(eq(s.events.claim, p('claim')), eq(s.events.type, 'claimed')))
        .orderBy(asc(s.events.seq))
        .limit(1)
        .prepare(),
      events: db.select().from(s.events).where(eq(s.events.prescriptionId, p('id'))).orderBy(asc(s.events.idx)).prepare(),
      event: db.select().from(s.events).where(and(eq(s.events.prescriptionId, p('id')), eq(s.events.idx, p('idx')))).prepare(),
      dispensation: db
        .select()
        .from(s.dispensations)
        .where(and(eq(s.dispensations.pharmacyId, p('pharmacyId')), eq(s.dispensations.jti, p('jti'))))
        .prepare(),
      insertPrescription: db
        .insert(s.prescriptions)
        .values(Object.fromEntries(Object.keys(getTableColumns(s.prescriptions)).map((k) => [k, p(k)])) as never)
        .prepare(),
      updatePrescription: db
        .update(s.prescriptions)
        .set(Object.fromEntries(stateColumns.map((k) => [k, set(k)])))
        .where(and(eq(s.prescriptions.id, p('id')), eq(s.prescriptions.version, p('expectedVersion'))))
        .prepare(),
      insertEvent: db
        .insert(s.events)
        .values({
          ...Object.fromEntries(eventColumns.map((k) => [k, p(k)])),
          // Global and strictly increasing: the transaction holds SQLite's single write lock.
          seq: sql`(select coalesce(max(${s.events.seq}), 0) + 1 from ${s.events})`,
        } as never)
        .prepare(),
      reseal: db
        .update(s.events)
        .set({ proof: set('proof') })
        .where(and(eq(s.events.prescriptionId, p('id')), eq(s.events.idx, p('idx'))))
        .prepare(),
      insertToken: db.insert(s.requestTokens).values({ iss: p('iss'), jti: p('jti'), expiresAt: p('expiresAt') }).prepare(),
      insertDispensation: db
        .insert(s.dispensations)
        .values({ pharmacyId: p('pharmacyId'), jti: p('jti'), prescriptionId: p('prescriptionId'), idx: p('idx'), mac: p('mac'), answer: p('answer') })
        .prepare(),
      attempts: db
        .select({ count: s.codeAttempts.count })
        .from(s.codeAttempts)
        .where(and(eq(s.codeAttempts.client, p('client')), eq(s.codeAttempts.window, p('window'))))
        .prepare(),
      addAttempt: db
        .insert(s.codeAttempts)
        .values({ client: p('client'), window: p('window'), count: 1 })
        .onConflictDoUpdate({ target: [s.codeAttempts.client, s.codeAttempts.window], set: { count: sql`${s.codeAttempts.count} + 1` } })
        .prepare(),
    };
  }

  async getActor(id: string) {
    return this.#q.actor.get({ id });
  }
  async getActorKeys(id: string) {
    return this.#q.actorKeys.all({ id });
  }
  async getSigningKey(actorId: string, kid: string) {
    return this.#q.signingKey.get({ actorId, kid });
  }
  async insertActor(actor: ActorRow, keys: KeyRow[]) {
    try {
      this.sqlite.transaction(() => {
        this.db.insert(s.actors).values(actor).run();
        for (const k of keys) this.db.insert(s.actorKeys).values(k).run();
      })();
    } catch (err) {
      throw conflictOf(err);
    }
  }
  async insertKey(key: KeyRow) {
    try {
      this.db.insert(s.actorKeys).values(key).run();
    } catch (err) {
      throw conflictOf(err);
    }
  }
  async revokeKey(actorId: string, kid: string, at: string) {
    this.db
      .update(s.actorKeys)
      .set({ revokedAt: at })
      .where(and(eq(s.actorKeys.actorId, actorId), eq(s.actorKeys.kid, kid), isNull(s.actorKeys.revokedAt)))
      .run();
  }
  async setActorStatus(id: string, status: 'active' | 'suspended') {
    this.db.update(s.actors).set({ status }).where(eq(s.actors.id, id)).run();
  }

  async getPrescription(id: string) {
    return this.#q.prescription.get({ id });
  }
  async getPrescriptionByDocument(prescriberId: string, jti: string) {
    return this.#q.byDocument.get({ prescriberId, jti });
  }
  async getClaim(claim: string) {
    const r = this.#q.byClaim.get({ claim });
    return r && { prescriptionId: r.id, pharmacyId: (JSON.parse(r.actor) as { id: string }).id };
  }
  async listPrescriptions(q: ListQuery) {
    const t = s.prescriptions;
    return this.db
      .select()
      .from(t)
      .where(
        and(
          eq(t.prescriberId, q.prescriberId),
          q.status ? eq(t.status, q.status) : undefined,
          q.after ? or(lt(t.issuedAt, q.after.issuedAt), and(eq(t.issuedAt, q.after.issuedAt), lt(t.id, q.after.id))) : undefined,
        ),
      )
      .orderBy(desc(t.issuedAt), desc(t.id))
      .limit(q.limit)
      .all();
  }
  async getEvents(id: string) {
    return this.#q.events.all({ id });
  }
  async getEvent(id: string, idx: number) {
    return this.#q.event.get({ id, idx });
  }
  async getDispensation(pharmacyId: string, jti: string) {
    return this.#q.dispensation.get({ pharmacyId, jti });
  }
  async listDue(now: number, limit: number) {
    const t = s.prescriptions;
    return this.db
      .select()
      .from(t)
      .where(
        or(
          and(inArray(t.status, ['active', 'claimed']), lt(t.expiresAt, now + 1)),
          and(eq(t.status, 'claimed'), lt(t.claimExpiresAt, now + 1)),
        ),
      )
      .limit(limit)
      .all();
  }

  async commit(t: Transition) {
    try {
      this.sqlite.transaction(() => {
        if ('insert' in t.prescription) {
          this.#q.insertPrescription.run(t.prescription.insert);
        } else {
          const { id, expectedVersion, set: state } = t.prescription;
          const r = this.#q.updatePrescription.run({ ...state, id, expectedVersion });
          if (r.changes !== 1) throw new CommitConflict('version');
        }
        for (const r of t.reseal ?? []) {
          const id = 'insert' in t.prescription ? t.prescription.insert.id : t.prescription.id;
          this.#q.reseal.run({ id, idx: r.idx, proof: r.proof });
        }
        for (const e of t.events) this.#q.insertEvent.run(e);
        if (t.token) this.#q.insertToken.run(t.token);
        if (t.dispensation) this.#q.insertDispensation.run(t.dispensation);
      })();
    } catch (err) {
      if (err instanceof CommitConflict) throw err;
      throw conflictOf(err);
    }
  }
  async useToken(t: TokenUse) {
    try {
      this.#q.insertToken.run(t);
    } catch (err) {
      throw conflictOf(err);
    }
  }
  async purgeTokens(now: number) {
    return this.db.delete(s.requestTokens).where(lt(s.requestTokens.expiresAt, now)).run().changes;
  }
  async failedAttempts(client: string, window: number) {
    return this.#q.attempts.get({ client, window })?.count ?? 0;
  }
  async addFailedAttempt(client: string, window: number) {
    this.#q.addAttempt.run({ client, window });
  }
  async purgeAttempts(window: number) {
    return this.db.delete(s.codeAttempts).where(lt(s.codeAttempts.window, window)).run().changes;
  }
}

