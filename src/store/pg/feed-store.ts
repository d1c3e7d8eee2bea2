/**
 * The event feed's storage (FeedStore, store/types.ts) on PostgreSQL: the same rows as on SQLite
 * (../feed-store.ts). The feed rows of a transition are written by the statement that numbers its
 * events (store/pg/store.ts), so they add no round trip while event_seq is held.
 */
import type { Pool } from 'pg';
import { unpackFeedRow, type StoredEvent } from '../codec.js';
import type { FeedReader } from '../packed-transition.js';
import type { FeedStore } from '../types.js';
import { fromPgPacked } from './schema.js';

/** A transition's new readers (a reader already there keeps its first index), before its events. */
export const insertReaders = (n: number) =>
  `INSERT INTO feed_readers (prescription_id, actor_id, since_idx) VALUES ${Array.from({ length: n }, (_, i) => `($1, $${2 + 2 * i}, $${3 + 2 * i})`).join(', ')} ON CONFLICT DO NOTHING`;
export const readerValues = (id: string, readers: FeedReader[]) => [id, ...readers.flatMap((r) => [r.actorId, r.sinceIdx])];

/**
 * Turns the events' INSERT (`WITH c AS (…) INSERT INTO events …`) into one that also writes a feed
 * row per event and reader of the prescription (`$id`) who reads that far.
 */
export const withFeedRows = (insertEvents: string, id: string) => {
  const [head, insert] = insertEvents.split(') INSERT INTO events ');
  return `${head}), e AS (INSERT INTO events ${insert} RETURNING seq, idx) ` +
    `INSERT INTO feed (actor_id, seq) SELECT r.actor_id, e.seq FROM e JOIN feed_readers r ON r.prescription_id = ${id} AND e.idx >= r.since_idx`;
};

const PAGE =
  'SELECT e.prescription_id, e.idx, e.seq, e.type, e.at, e.actor, e.claim, e.hash, e.prev_hash, b.hash FROM feed f ' +
  'JOIN events e ON e.seq = f.seq LEFT JOIN events b ON b.prescription_id = e.prescription_id AND b.idx = e.idx - 1 ' +
  'WHERE f.actor_id = $1 AND f.seq > $2 ORDER BY f.seq LIMIT $3';
// The new events first (by seq, one index range), then their readers: a plan that starts from
// feed_readers would read all of it.
const READERS =
  'SELECT r.actor_id, e.seq FROM (SELECT prescription_id, idx, seq FROM events WHERE seq > $1 ORDER BY seq LIMIT $2) e ' +
  'LEFT JOIN feed_readers r ON r.prescription_id = e.prescription_id AND e.idx >= r.since_idx ORDER BY e.seq';

const packed = (v: unknown) => (v === null ? null : fromPgPacked(v as Buffer));

export class PgFeedStore implements FeedStore {
  constructor(private readonly pool: Pool) {}

  private async rows(name: string, text: string, values: unknown[]) {
    return (await this.pool.query({ name: `ordo_feed_${name}`, text, values, rowMode: 'array' })).rows as unknown as unknown[][];
  }
  async page(actor: string, after: number, limit: number) {
    return (await this.rows('page', PAGE, [actor, after, limit])).map((r) =>
      unpackFeedRow(
        { prescriptionId: r[0] as string, idx: r[1] as number, seq: Number(r[2]), type: r[3] as StoredEvent['type'], at: packed(r[4])!, actor: packed(r[5])!, claim: r[6] as string | null, hash: packed(r[7])!, prevHash: packed(r[8]) },
        packed(r[9]),
      ),
    );
  }
  async readersSince(after: number, limit: number) {
    const rows = await this.rows('readers', READERS, [after, limit]);
    const actors = new Set(rows.flatMap((r) => (r[0] === null ? [] : [r[0] as string])));
    return { actors: [...actors], last: rows.length ? Number(rows.at(-1)![1]) : after };
  }
  async last() {
    const [r] = await this.rows('last', 'SELECT last FROM event_seq WHERE id = 1', []);
    return Number(r?.[0] ?? 0);
  }
}
