/**
 * The event feed's storage (FeedStore, store/types.ts) on SQLite and D1, through drizzle: the
 * reads, and the writes each commit path adds to a transition (store/drizzle-store.ts, sqlite.ts).
 */
import { and, asc, eq, gt, gte, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { unpackFeedRow } from './codec.js';
import type { Db } from './db.js';
import { feed, feedReaders } from './feed-schema.js';
import type { FeedReader } from './packed-transition.js';
import { events } from './schema.js';
import type { FeedStore } from './types.js';

const p = sql.placeholder;
const before = alias(events, 'before');

/**
 * A transition's feed writes, after its events: its new readers (a reader already there keeps
 * its first index), then one row per event from index `from` on and per reader of the
 * prescription who reads that far.
 */
export function feedWrites(db: Db) {
  const readers = (id: string, r: FeedReader[]) => db.insert(feedReaders).values(r.map((x) => ({ prescriptionId: id, actorId: x.actorId, sinceIdx: x.sinceIdx }))).onConflictDoNothing();
  const rows = (id: string | ReturnType<typeof p>, from: number | ReturnType<typeof p>) =>
    db.insert(feed).select(
      db
        .select({ actorId: feedReaders.actorId, seq: events.seq })
        .from(events)
        .innerJoin(feedReaders, and(eq(feedReaders.prescriptionId, events.prescriptionId), gte(events.idx, feedReaders.sinceIdx)))
        .where(and(eq(events.prescriptionId, id), gte(events.idx, from))),
    );
  return {
    /** For a D1 batch. */
    readers,
    rows,
    /** Prepared once, for better-sqlite3's synchronous commit. */
    prepared: {
      reader: db.insert(feedReaders).values({ prescriptionId: p('id'), actorId: p('actorId'), sinceIdx: p('sinceIdx') }).onConflictDoNothing().prepare(),
      rows: rows(p('id'), p('from')).prepare(),
    },
  };
}

export class DrizzleFeedStore implements FeedStore {
  private readonly pageQuery;
  private readonly readersQuery;

  constructor(private readonly db: Db) {
    this.pageQuery = db
      .select({
        prescriptionId: events.prescriptionId, idx: events.idx, seq: events.seq, type: events.type, at: events.at, actor: events.actor,
        claim: events.claim, hash: events.hash, prevHash: events.prevHash, before: before.hash,
      })
      .from(feed)
      .innerJoin(events, eq(events.seq, feed.seq))
      // The event before it, whose hash is its prevHash when that is not stored.
      .leftJoin(before, and(eq(before.prescriptionId, events.prescriptionId), eq(before.idx, sql`${events.idx} - 1`)))
      .where(and(eq(feed.actorId, p('actor')), gt(feed.seq, p('after'))))
      .orderBy(asc(feed.seq))
      .limit(p('limit'))
      .prepare();
    // The new events first (by seq), then their readers: every reader of each event read.
    const recent = db.select({ prescriptionId: events.prescriptionId, idx: events.idx, seq: events.seq }).from(events).where(gt(events.seq, p('after'))).orderBy(asc(events.seq)).limit(p('limit')).as('recent');
    this.readersQuery = db
      .select({ actor: feedReaders.actorId, seq: recent.seq })
      .from(recent)
      .leftJoin(feedReaders, and(eq(feedReaders.prescriptionId, recent.prescriptionId), gte(recent.idx, feedReaders.sinceIdx)))
      .orderBy(asc(recent.seq))
      .prepare();
  }

  async page(actor: string, after: number, limit: number) {
    return (await this.pageQuery.all({ actor, after, limit })).map((r) => unpackFeedRow(r, r.before));
  }
  async readersSince(after: number, limit: number) {
    const rows = await this.readersQuery.all({ after, limit });
    const actors = new Set(rows.flatMap((r) => (r.actor === null ? [] : [r.actor])));
    return { actors: [...actors], last: rows.at(-1)?.seq ?? after };
  }
  async last() {
    const [r] = await this.db.select({ seq: sql<number | null>`max(${events.seq})` }).from(events);
    return r?.seq ?? 0;
  }
}
