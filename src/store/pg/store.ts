/**
 * The Store on PostgreSQL (node-postgres, `pg`): the same interface, rows and values as on SQLite
 * (store/codec.ts packs them), in plain SQL prepared once per connection by name. Any number of
 * Ordo processes on any number of hosts commit to one database directly; what they share lives
 * in it: the version guard, the replay guard, the failed-code counters, the claims.
 *
 * A transition is one transaction (design § Storage): the version-guarded UPDATE … RETURNING of
 * the prescription (or its INSERT), its re-sealed proofs and terms, the request token, the
 * dispensing record, then its events numbered from event_seq. A loser of a race finds the row
 * changed (no row returned) or a key taken, and rolls back whole. The events come last: their
 * numbers are taken from event_seq's one row, which the transaction then holds until it commits,
 * so a number is given only once every smaller one is committed (or rolled back with its
 * transaction, never to be seen): `seq` grows in commit order, and a reader following it never
 * skips one (docs/design.md § Storage).
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
import type { ReceiptSigner } from '../../crypto/receipt.js';
import { actorIdOf, signersIn, unpackDispensation, unpackEvents, unpackHashOf, unpackPrescription, type Packer, type StoredEvent, type StoredPrescription } from '../codec.js';
import { packTransition, receiptSplits, ReceiptSigners, type PackedTransition } from '../packed-transition.js';
import { CommitConflict, type ActorRow, type CrlRow, type Enrolment, type FeedStore, type HeldQuery, type KeyIds, type KeyRow, type NewKeyRow, type ListQuery, type LogStore, type Store, type Transition, type TokenUse } from '../types.js';
import { crlDates, enrol, getCrls, loadCrl } from './certificate-store.js';
import { columnsOf, insertOf } from './columns.js';
import { pgConflictOf } from './conflict.js';
import { insertReaders, PgFeedStore, readerValues, withFeedRows } from './feed-store.js';
import { listHeld as heldRows } from './held-store.js';
import { PgLogStore } from './log-store.js';
import { PgSandboxStore } from './sandbox-store.js';
import { inTransaction } from './transaction.js';
import { fromPgPacked } from './schema.js';
import * as s from './schema.js';

const A = columnsOf(s.actors);
const K = columnsOf(s.actorKeys);
const P = columnsOf(s.prescriptions);
const E = columnsOf(s.events);
const D = columnsOf(s.dispensations);

const stateKeys = ['status', 'version', 'headHash', 'codeVersion', 'tokenKeyId', 'progress', 'claimId', 'claimPharmacy', 'claimExpiresAt', 'claimTtl', 'cancelReason', 'updatedAt'] as const;
const eventKeys = E.keys.filter((k) => k !== 'seq');

const insertActor = insertOf(A);
const insertKey = insertOf(K);
const insertPrescription = insertOf(P);
const insertEvent = insertOf(E, eventKeys);
const insertToken = insertOf(columnsOf(s.requestTokens));
const insertDispensation = insertOf(D);
const updatePrescription = `UPDATE prescriptions SET ${stateKeys.map((k, i) => `${P.name(k)} = $${i + 3}`).join(', ')} WHERE id = $1 AND version = $2 RETURNING 1`;

/**
 * The events of a transition (1 to 3), numbered from event_seq in the same statement, as the
 * transaction's last write (see the file's comment).
 */
const insertEventsText = new Map<number, string>();
const insertEvents = (n: number) => {
  let text = insertEventsText.get(n);
  if (!text) insertEventsText.set(n, (text = insertEventsOf(n)));
  return text;
};
const insertEventsOf = (n: number) =>
  withFeedRows(
    `WITH c AS (UPDATE event_seq SET last = last + ${n} WHERE id = 1 RETURNING last) INSERT INTO events (${insertEvent.names}, seq) VALUES ` +
      Array.from({ length: n }, (_, i) => `(${insertEvent.params(i)}, (SELECT last FROM c) - ${n - 1 - i})`).join(', '),
    `$${n * eventKeys.length + 1}`,
  );

type Query = { name: string; text: string; values?: unknown[] };

/** pg_advisory_lock's key while a starting process checks and records its keys: "Keys" in ASCII. */
const KEYS_LOCK = 0x4b657973;
const rowsOf = (r: QueryResult) => r.rows as unknown as unknown[][];

export class PgStore implements Store {
  private readonly signers: ReceiptSigners;
  readonly log: LogStore;
  readonly feed: FeedStore;
  private readonly signerOf: (id: number) => Promise<ReceiptSigner>;

  constructor(
    private readonly pool: Pool,
    private readonly packer: Packer,
  ) {
    this.signers = new ReceiptSigners({
      all: async () => (await this.pool.query('SELECT id, alg, kid, iss FROM receipt_signers')).rows,
      insert: (r) => this.pool.query('INSERT INTO receipt_signers (alg, kid, iss) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [r.alg, r.kid, r.iss]),
    });
    this.signerOf = (id) => this.signers.of(id);
    this.log = new PgLogStore(pool);
    this.feed = new PgFeedStore(pool);
  }

  /** A prepared statement's rows, as arrays of driver values. */
  private async rows(name: string, text: string, values: unknown[]): Promise<unknown[][]> {
    return rowsOf(await this.pool.query({ name: `ordo_${name}`, text, values, rowMode: 'array' }));
  }
  private async run(q: Query, client: Pick<Pool, 'query'> = this.pool): Promise<number> {
    return (await client.query({ ...q, name: `ordo_${q.name}` })).rowCount ?? 0;
  }

  async getActor(id: string) {
    const [r] = await this.rows('actor', `SELECT ${A.list()} FROM actors WHERE id = $1`, [id]);
    return r && (A.decode(r) as ActorRow);
  }
  async getActorKeys(id: string) {
    return (await this.rows('actor_keys', `SELECT ${K.list()} FROM actor_keys WHERE actor_id = $1 ORDER BY added_at`, [id])).map((r) => K.decode(r) as KeyRow);
  }
  async getSigningKey(actorId: string, kid: string) {
    const text = `SELECT ${A.list('a')}, ${K.list('k')} FROM actor_keys k JOIN actors a ON a.id = k.actor_id WHERE k.actor_id = $1 AND k.kid = $2`;
    const [r] = await this.rows('signing_key', text, [actorId, kid]);
    return r && { actor: A.decode(r) as ActorRow, key: K.decode(r, A.keys.length) as KeyRow };
  }
  async insertActor(actor: ActorRow, keys: NewKeyRow[]) {
    await this.transaction(async (c) => {
      await this.run({ name: 'insert_actor', text: insertActor.text, values: insertActor.values(actor) }, c);
      for (const k of keys) await this.run({ name: 'insert_key', text: insertKey.text, values: insertKey.values(k) }, c);
    });
  }
  async insertKey(key: NewKeyRow) {
    await this.run({ name: 'insert_key', text: insertKey.text, values: insertKey.values(key) }).catch((err: unknown) => {
      throw pgConflictOf(err);
    });
  }
  async revokeKey(actorId: string, kid: string, at: string) {
    await this.run({ name: 'revoke_key', text: 'UPDATE actor_keys SET revoked_at = $3 WHERE actor_id = $1 AND kid = $2 AND revoked_at IS NULL', values: [actorId, kid, at] });
  }
  async setActorStatus(id: string, status: ActorRow['status']) {
    await this.run({ name: 'actor_status', text: 'UPDATE actors SET status = $2 WHERE id = $1', values: [id, status] });
  }
  enrol = (e: Enrolment) => enrol(this.pool, e);
  loadCrl = (crl: CrlRow, revoked: { serial: string; at: string }[]) => loadCrl(this.pool, crl, revoked);
  getCrls = (cas?: string[]) => getCrls(this.pool, cas);
  crlDates = () => crlDates(this.pool);

  private async prescriptionsBy(name: string, where: string, values: unknown[]) {
    return (await this.rows(name, `SELECT ${P.list()} FROM prescriptions WHERE ${where}`, values)).map((r) => unpackPrescription(P.decode(r) as StoredPrescription));
  }
  async getPrescription(id: string) {
    return (await this.prescriptionsBy('prescription', 'id = $1', [id]))[0];
  }
  async getPrescriptionByDocument(prescriberId: string, jti: string) {
    return (await this.prescriptionsBy('by_document', 'prescriber_id = $1 AND doc_jti = $2', [prescriberId, jti]))[0];
  }
  async getClaim(claim: string) {
    const [r] = await this.rows('by_claim', "SELECT prescription_id, actor FROM events WHERE claim = $1 AND type = 'claimed' ORDER BY seq LIMIT 1", [claim]);
    return r && { prescriptionId: r[0] as string, pharmacyId: actorIdOf(fromPgPacked(r[1])) };
  }
  async listPrescriptions(q: ListQuery) {
    const where = ['prescriber_id = $1'];
    const values: unknown[] = [q.prescriberId, q.limit];
    if (q.status) where.push(`status = $${values.push(q.status)}`);
    if (q.after) where.push(`(issued_at, id) < ($${values.push(q.after.issuedAt)}, $${values.push(q.after.id)})`);
    const name = `list${q.status ? '_status' : ''}${q.after ? '_after' : ''}`;
    return this.prescriptionsBy(name, `${where.join(' AND ')} ORDER BY issued_at DESC, id DESC LIMIT $2`, values);
  }
  listHeld = (q: HeldQuery) => heldRows(this.pool, q);
  async getEvents(id: string) {
    const rows = await this.rows('events', `SELECT ${E.list()} FROM events WHERE prescription_id = $1 ORDER BY idx`, [id]);
    return unpackEvents(this.packer, rows.map((r) => E.decode(r) as StoredEvent), this.signerOf);
  }
  async getEvent(id: string, idx: number) {
    // The event and the one before it, whose hash is its prevHash (not stored twice).
    const rows = (await this.rows('event', `SELECT ${E.list()} FROM events WHERE prescription_id = $1 AND idx BETWEEN $2 AND $3 ORDER BY idx`, [id, idx - 1, idx])).map(
      (r) => E.decode(r) as StoredEvent,
    );
    const row = rows.at(-1);
    if (!row || row.idx !== idx) return undefined;
    const previous = rows.length === 2 ? unpackHashOf(rows[0]!.hash) : undefined;
    return (await unpackEvents(this.packer, [row], this.signerOf, previous))[0];
  }
  async getDispensation(pharmacyId: string, jti: string) {
    const [r] = await this.rows('dispensation', `SELECT ${D.list()} FROM dispensations WHERE pharmacy_id = $1 AND jti = $2`, [pharmacyId, jti]);
    return r && unpackDispensation(this.packer, D.decode(r));
  }
  async listDue(now: number, limit: number) {
    return this.prescriptionsBy('due', "(status IN ('active', 'claimed') AND expires_at <= $1) OR (status = 'claimed' AND claim_expires_at <= $1) LIMIT $2", [now, limit]);
  }

  async commit(transition: Transition) {
    const splits = receiptSplits(transition);
    await this.signers.add(signersIn(splits));
    const t = packTransition(this.packer, transition, splits, this.signers.idOf);
    await this.transaction((c) => this.apply(t, c));
  }

  private async apply(t: PackedTransition, c: PoolClient) {
    if ('insert' in t.prescription) {
      await this.run({ name: 'insert_prescription', text: insertPrescription.text, values: insertPrescription.values(t.prescription.insert) }, c);
    } else {
      const { id, expectedVersion, set } = t.prescription;
      const values = [id, expectedVersion, ...stateKeys.map((k) => P.encode(k, set[k]))];
      if ((await this.run({ name: 'update_prescription', text: updatePrescription, values }, c)) !== 1) throw new CommitConflict('version');
    }
    const id = 'insert' in t.prescription ? t.prescription.insert.id : t.prescription.id;
    for (const r of t.reseal ?? []) {
      await this.run({ name: 'reseal', text: 'UPDATE events SET proof = $3 WHERE prescription_id = $1 AND idx = $2', values: [id, r.idx, E.encode('proof', r.proof)] }, c);
    }
    if (t.terms) await this.run({ name: 'set_terms', text: 'UPDATE prescriptions SET terms = $2 WHERE id = $1', values: [id, P.encode('terms', t.terms)] }, c);
    if (t.token) await this.run({ name: 'insert_token', text: insertToken.text, values: insertToken.values(t.token) }, c);
    if (t.dispensation) await this.run({ name: 'insert_dispensation', text: insertDispensation.text, values: insertDispensation.values(t.dispensation) }, c);
    if (t.readers.length) await this.run({ name: `insert_readers_${t.readers.length}`, text: insertReaders(t.readers.length), values: readerValues(id, t.readers) }, c);
    const n = t.events.length;
    if (n) await this.run({ name: `insert_events_${n}`, text: insertEvents(n), values: [...t.events.flatMap((e) => insertEvent.values(e)), id] }, c);
  }

  private transaction(work: (c: PoolClient) => Promise<void>) {
    return inTransaction(this.pool, work);
  }

  async useToken(t: TokenUse) {
    await this.run({ name: 'insert_token', text: insertToken.text, values: insertToken.values(t) }).catch((err: unknown) => {
      throw pgConflictOf(err);
    });
  }
  purgeTokens(now: number) {
    return this.run({ name: 'purge_tokens', text: 'DELETE FROM request_tokens WHERE expires_at < $1', values: [now] });
  }
  async failedAttempts(client: string, window: number) {
    const rows = await this.rows('attempts', 'SELECT "window", count FROM code_attempts WHERE client = $1 AND "window" IN ($2, $3)', [client, window, window - 1]);
    const count = (w: number) => (rows.find((r) => Number(r[0]) === w)?.[1] as number | undefined) ?? 0;
    return { current: count(window), previous: count(window - 1) };
  }
  async addFailedAttempt(client: string, window: number) {
    const text = 'INSERT INTO code_attempts (client, "window", count) VALUES ($1, $2, 1) ON CONFLICT (client, "window") DO UPDATE SET count = code_attempts.count + 1 RETURNING count';
    return (await this.rows('add_attempt', text, [client, window]))[0]![0] as number;
  }
  purgeAttempts(window: number) {
    return this.run({ name: 'purge_attempts', text: 'DELETE FROM code_attempts WHERE "window" < $1', values: [window] });
  }

  // A PostgreSQL database never held the rows of earlier versions (schema.ts): nothing to seal or pack.
  async clearTerms() {
    return [];
  }
  async sealTerms() {
    return false;
  }
  async packOldRows() {
    return 0;
  }

  async recordedKeys(): Promise<KeyIds> {
    const rows = (await this.pool.query<{ kind: 'token' | 'signing'; id: string }>('SELECT kind, id FROM ordo_keys ORDER BY id')).rows;
    return { token: rows.filter((r) => r.kind === 'token').map((r) => r.id), signing: rows.filter((r) => r.kind === 'signing').map((r) => r.id) };
  }
  async recordKeys(ids: KeyIds, at: string) {
    const rows = [...new Set(ids.token)].map((id) => ['token', id]).concat([...new Set(ids.signing)].map((id) => ['signing', id]));
    for (const [kind, id] of rows) await this.pool.query('INSERT INTO ordo_keys (kind, id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [kind, id, at]);
  }

  /**
   * Runs `work` while holding a lock no other Ordo process can take at the same time (a session
   * advisory lock): the check of this process's keys against those the database records, and
   * their recording, so that two hosts starting at once with different keys cannot both record theirs.
   */
  async exclusively<T>(work: () => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock($1)', [KEYS_LOCK]);
      return await work();
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [KEYS_LOCK]).catch(() => {});
      c.release();
    }
  }

  get sandbox() { return new PgSandboxStore(this.pool); }

  /** Whether the database answers (the health check). */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }
  /** Ends the pool (once: a second call does nothing). */
  async close() {
    if (!this.pool.ended) await this.pool.end();
  }
}
