/**
 * The Store over drizzle, shared by every SQLite driver (better-sqlite3 on Node, D1 on Workers).
 */
import { and, asc, desc, eq, getTableColumns, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { ReceiptSigner } from '../crypto/receipt.js';
import { actorIdOf, packSealed, signersIn, unpackDispensation, unpackEvents, unpackHashOf, unpackPrescription, type Packer, type StoredPrescription } from './codec.js';
import type { Atomic, Db } from './db.js';
import { crlDates, enrol, getCrls, loadCrl } from './certificate-store.js';
import { readKeyIds, recordKeyIds } from './key-records.js';
import { conflictOf } from './conflict.js';
import { DrizzleFeedStore, feedWrites } from './feed-store.js';
import { DrizzleLogStore } from './log-store.js';
import { listHeld as heldRows } from './held-store.js';
import { DrizzleSandboxStore } from './sandbox-store.js';
import { packOldRows } from './pack-old-rows.js';
import { packTransition, receiptSplits, ReceiptSigners, type PackedTransition } from './packed-transition.js';
import * as s from './schema.js';
import type { ActorRow, CrlRow, Enrolment, FeedStore, HeldQuery, KeyIds, KeyRow, ListQuery, NewKeyRow, LogStore, Store, Transition, TokenUse } from './types.js';

const p = sql.placeholder;
const set = (name: string) => sql`${p(name)}`;

export const stateColumns = ['status', 'version', 'headHash', 'codeVersion', 'tokenKeyId', 'progress', 'claimId', 'claimPharmacy', 'claimExpiresAt', 'claimTtl', 'cancelReason', 'updatedAt'] as const;
const eventColumns = ['prescriptionId', 'idx', 'type', 'at', 'actor', 'claim', 'proof', 'proofHash', 'prevHash', 'hash', 'receipt', 'receiptSig', 'receiptSigner', 'claimedUntil'] as const;

const rxOf = (r: StoredPrescription | undefined) => r && unpackPrescription(r);

/** Rows changed, from better-sqlite3's RunResult or D1's meta. */
const changes = (r: unknown) => (r as { changes?: number }).changes ?? (r as { meta?: { changes?: number } }).meta?.changes ?? 0;

export type { Atomic, Db } from './db.js';
export { conflictOf } from './conflict.js';

/**
 * The Store over drizzle, for any SQLite driver. Reads are prepared once; writes go through
 * `atomic`, one batch per step (D1's `batch`, or a better-sqlite3 transaction). The version
 * guard needs no interactive transaction: a stale writer's event insert collides on
 * (prescription, index) and its whole batch rolls back.
 */
export class DrizzleStore implements Store {
  protected readonly q;
  protected readonly signers: ReceiptSigners;
  readonly log: LogStore;
  readonly feed: FeedStore;
  protected readonly feedWrites;
  private readonly signerOf: (id: number) => Promise<ReceiptSigner>;

  constructor(
    protected readonly db: Db,
    protected readonly atomic: Atomic,
    protected readonly packer: Packer,
  ) {
    this.signers = new ReceiptSigners({ all: () => db.select().from(s.receiptSigners).all(), insert: (signer) => db.insert(s.receiptSigners).values(signer).onConflictDoNothing().run() });
    this.signerOf = (id) => this.signers.of(id);
    this.log = new DrizzleLogStore(db, atomic);
    this.feed = new DrizzleFeedStore(db);
    this.feedWrites = feedWrites(db);
    this.q = {
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
        // The literal, not a parameter: it is what lets SQLite use the partial index events_claimed.
        .where(and(eq(s.events.claim, p('claim')), sql`${s.events.type} = 'claimed'`))
        .orderBy(asc(s.events.seq))
        .limit(1)
        .prepare(),
      events: db.select().from(s.events).where(eq(s.events.prescriptionId, p('id'))).orderBy(asc(s.events.idx)).prepare(),
      // The event and the one before it, whose hash is its prevHash (not stored twice).
      event: db
        .select()
        .from(s.events)
        .where(and(eq(s.events.prescriptionId, p('id')), gte(s.events.idx, p('before')), lte(s.events.idx, p('idx'))))
        .orderBy(asc(s.events.idx))
        .prepare(),
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
      // A bucket's window and the one before it.
      attempts: db.select({ window: s.codeAttempts.window, count: s.codeAttempts.count }).from(s.codeAttempts)
        .where(and(eq(s.codeAttempts.client, p('client')), or(eq(s.codeAttempts.window, p('window')), eq(s.codeAttempts.window, p('previous'))))).prepare(),
      addAttempt: db
        .insert(s.codeAttempts)
        .values({ client: p('client'), window: p('window'), count: 1 })
        .onConflictDoUpdate({ target: [s.codeAttempts.client, s.codeAttempts.window], set: { count: sql`${s.codeAttempts.count} + 1` } })
        .returning({ count: s.codeAttempts.count })
        .prepare(),
      setTerms: db.update(s.prescriptions).set({ terms: set('terms') }).where(eq(s.prescriptions.id, p('id'))).prepare(),
    };
  }

  async getActor(id: string) {
    return await this.q.actor.get({ id });
  }
  async getActorKeys(id: string) {
    return await this.q.actorKeys.all({ id });
  }
  async getSigningKey(actorId: string, kid: string) {
    return await this.q.signingKey.get({ actorId, kid });
  }
  async insertActor(actor: ActorRow, keys: NewKeyRow[]) {
    try {
      await this.atomic([this.db.insert(s.actors).values(actor), ...keys.map((k) => this.db.insert(s.actorKeys).values(k))]);
    } catch (err) {
      throw conflictOf(err);
    }
  }
  async insertKey(key: NewKeyRow) {
    try {
      await this.db.insert(s.actorKeys).values(key).run();
    } catch (err) {
      throw conflictOf(err);
    }
  }
  async revokeKey(actorId: string, kid: string, at: string) {
    await this.db
      .update(s.actorKeys)
      .set({ revokedAt: at })
      .where(and(eq(s.actorKeys.actorId, actorId), eq(s.actorKeys.kid, kid), isNull(s.actorKeys.revokedAt)))
      .run();
  }
  async setActorStatus(id: string, status: 'active' | 'suspended') {
    await this.db.update(s.actors).set({ status }).where(eq(s.actors.id, id)).run();
  }
  enrol = (e: Enrolment) => enrol(this.db, this.atomic, e);
  loadCrl = (crl: CrlRow, revoked: { serial: string; at: string }[]) => loadCrl(this.db, this.atomic, crl, revoked);
  getCrls = (cas?: string[]) => getCrls(this.db, cas);
  crlDates = () => crlDates(this.db);

  async getPrescription(id: string) {
    return rxOf(await this.q.prescription.get({ id }));
  }
  async getPrescriptionByDocument(prescriberId: string, jti: string) {
    return rxOf(await this.q.byDocument.get({ prescriberId, jti }));
  }
  async getClaim(claim: string) {
    const r = await this.q.byClaim.get({ claim });
    return r && { prescriptionId: r.id, pharmacyId: actorIdOf(r.actor) };
  }
  async listPrescriptions(q: ListQuery) {
    const t = s.prescriptions;
    return (await this.db
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
      .all()
    ).map(unpackPrescription);
  }
  listHeld = (q: HeldQuery) => heldRows(this.db, q);
  async getEvents(id: string) {
    return unpackEvents(this.packer, await this.q.events.all({ id }), this.signerOf);
  }
  async getEvent(id: string, idx: number) {
    const rows = await this.q.event.all({ id, before: idx - 1, idx });
    const row = rows.at(-1);
    if (!row || row.idx !== idx) return undefined;
    const previous = rows.length === 2 ? unpackHashOf(rows[0]!.hash) : undefined;
    return (await unpackEvents(this.packer, [row], this.signerOf, previous))[0];
  }

  async getDispensation(pharmacyId: string, jti: string) {
    const d = await this.q.dispensation.get({ pharmacyId, jti });
    return d && unpackDispensation(this.packer, d);
  }
  async listDue(now: number, limit: number) {
    const t = s.prescriptions;
    return (await this.db
      .select()
      .from(t)
      .where(
        or(
          and(inArray(t.status, ['active', 'claimed']), lt(t.expiresAt, now + 1)),
          and(eq(t.status, 'claimed'), lt(t.claimExpiresAt, now + 1)),
        ),
      )
      .limit(limit)
      .all()
    ).map(unpackPrescription);
  }

  /** The transition in its stored form (store/packed-transition.ts). */
  protected async packed(t: Transition): Promise<PackedTransition> {
    const splits = receiptSplits(t);
    await this.signers.add(signersIn(splits));
    return packTransition(this.packer, t, splits, this.signers.idOf);
  }

  async commit(transition: Transition) {
    const db = this.db;
    const t = await this.packed(transition);
    const id = 'insert' in t.prescription ? t.prescription.insert.id : t.prescription.id;
    const queries: BatchItem<'sqlite'>[] = [
      'insert' in t.prescription
        ? db.insert(s.prescriptions).values(t.prescription.insert)
        : db
            .update(s.prescriptions)
            .set(t.prescription.set)
            .where(and(eq(s.prescriptions.id, id), eq(s.prescriptions.version, t.prescription.expectedVersion))),
      ...(t.reseal ?? []).map((r) => db.update(s.events).set({ proof: r.proof }).where(and(eq(s.events.prescriptionId, id), eq(s.events.idx, r.idx)))),
      ...(t.terms ? [db.update(s.prescriptions).set({ terms: t.terms }).where(eq(s.prescriptions.id, id))] : []),
      ...t.events.map((e) => db.insert(s.events).values({ ...e, seq: sql`(select coalesce(max(${s.events.seq}), 0) + 1 from ${s.events})` })),
      ...(t.token ? [db.insert(s.requestTokens).values(t.token)] : []),
      ...(t.dispensation ? [db.insert(s.dispensations).values(t.dispensation)] : []),
      ...(t.readers.length ? [this.feedWrites.readers(id, t.readers)] : []),
      ...(t.events.length ? [this.feedWrites.rows(id, t.events[0]!.idx)] : []),
    ];
    try {
      await this.atomic(queries);
    } catch (err) {
      throw conflictOf(err);
    }
  }
  async useToken(t: TokenUse) {
    try {
      await this.q.insertToken.run(t);
    } catch (err) {
      throw conflictOf(err);
    }
  }
  async purgeTokens(now: number) {
    return changes(await this.db.delete(s.requestTokens).where(lt(s.requestTokens.expiresAt, now)).run());
  }
  async failedAttempts(client: string, window: number) {
    const rows = await this.q.attempts.all({ client, window, previous: window - 1 });
    return { current: rows.find((r) => r.window === window)?.count ?? 0, previous: rows.find((r) => r.window === window - 1)?.count ?? 0 };
  }
  async addFailedAttempt(client: string, window: number) {
    return (await this.q.addAttempt.get({ client, window }))!.count;
  }
  async clearTerms(limit: number) {
    return (await this.db.select().from(s.prescriptions).where(s.clearTermsCondition).limit(limit)).map(unpackPrescription);
  }
  async sealTerms(id: string, clear: string, sealed: string) {
    return changes(await this.db.update(s.prescriptions).set({ terms: packSealed(sealed, id, 'terms') }).where(and(eq(s.prescriptions.id, id), eq(s.prescriptions.terms, clear))).run()) === 1;
  }
  packOldRows(limit: number) {
    return packOldRows({ db: this.db, atomic: this.atomic, packer: this.packer, signers: this.signers }, limit);
  }
  async purgeAttempts(window: number) {
    return changes(await this.db.delete(s.codeAttempts).where(lt(s.codeAttempts.window, window)).run());
  }
  recordedKeys = () => readKeyIds(this.db);
  recordKeys = (ids: KeyIds, at: string) => recordKeyIds(this.db, ids, at);
  get sandbox() { return new DrizzleSandboxStore(this.db); }
  async ping() {
    await this.db.run(sql`select 1`);
  }
}

