/**
 * The global order on PostgreSQL: `seq` is given in commit order (docs/design.md § Atomic
 * writes), so a reader that follows it, asking for what comes after the last number it saw,
 * sees every event exactly once while any number of writers commit.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issue, withCast, type Harness, type TestActor } from '../support/harness.js';
import { claim } from '../support/redeem.js';
import { IDLE_IN_TRANSACTION_MS } from '../../src/store/pg/open.js';

type Seen = { seq: number; prescription_id: string; idx: number };

describe('seq on PostgreSQL', () => {
  let h: Harness;
  let doctor: TestActor;
  let pharmacy: TestActor;
  let raw: pg.Client;
  beforeAll(async () => {
    ({ h, doctor, pharmacy } = await withCast({ postgres: true }));
    raw = new pg.Client({ connectionString: h.pgUrl });
    await raw.connect();
  });
  afterAll(() => raw.end());

  it('is given to a transition only once the transaction that took the number before it has ended', async () => {
    const before = (await h.row<{ last: number }>('select last from event_seq'))!.last;
    // A transaction that has taken the next number and not committed yet.
    await raw.query('BEGIN');
    const taken = Number((await raw.query('UPDATE event_seq SET last = last + 1 RETURNING last')).rows[0].last);
    expect(taken).toBe(before + 1);
    let done = false;
    const issued = issue(h, doctor).then((r) => ((done = true), r));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    expect(await h.row("select count(*) n from events where seq > ?", before)).toEqual({ n: 0 });
    await raw.query('COMMIT');
    const rx = await issued;
    const [e] = await h.rows<Seen>('select seq from events where prescription_id = ?', rx.id);
    expect(e!.seq).toBe(taken + 1);
  });

  it('is given back by a transaction that rolls back: no gaps', async () => {
    const before = (await h.row<{ last: number }>('select last from event_seq'))!.last;
    await raw.query('BEGIN');
    await raw.query('UPDATE event_seq SET last = last + 1');
    const issued = issue(h, doctor);
    await raw.query('ROLLBACK');
    const rx = await issued;
    expect(await h.rows('select seq from events where prescription_id = ?', rx.id)).toEqual([{ seq: before + 1 }]);
  });

  it('is held by a transaction its host abandoned only until the server ends it (idle_in_transaction_session_timeout)', async () => {
    // One of Ordo's own connections, left in a transaction that holds event_seq, as by a host
    // that vanished mid-commit: nothing more comes from it.
    const pool = (h.store as unknown as { pool: pg.Pool }).pool;
    const stuck = await pool.connect();
    stuck.on('error', () => {}); // the server ends the session: expected
    await stuck.query('BEGIN');
    await stuck.query('UPDATE event_seq SET last = last + 1');
    const started = Date.now();
    const rx = await issue(h, doctor); // waits for the row until the server ends the idle transaction
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(IDLE_IN_TRANSACTION_MS - 500);
    expect(await h.rows('select count(*) n from events where prescription_id = ?', rx.id)).toEqual([{ n: 1 }]);
    stuck.release(true);
  }, 30_000);

  it('a reader following it sees every event of 8 concurrent writers exactly once', async () => {
    const start = (await h.row<{ last: number }>('select last from event_seq'))!.last;
    let writing = true;
    const seen: Seen[] = [];
    let cursor = start;
    const follow = async () => {
      const rows = await h.rows<Seen>('select seq, prescription_id, idx from events where seq > ? order by seq limit 500', cursor);
      for (const r of rows) seen.push(r);
      if (rows.length) cursor = rows.at(-1)!.seq;
    };
    const reader = (async () => {
      while (writing) await follow();
    })();
    // Each writer issues and claims: one-event transitions, all at once on the pool's connections.
    const writers = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 12; i++) {
        const rx = await issue(h, doctor);
        if (i % 2) expect((await claim(h, pharmacy, rx.code)).status).toBe(201);
      }
    });
    await Promise.all(writers);
    writing = false;
    await reader;
    await follow();
    const all = await h.rows<Seen>('select seq, prescription_id, idx from events where seq > ? order by seq', start);
    expect(all).toHaveLength(8 * 18);
    expect(seen).toEqual(all);
    expect(new Set(seen.map((r) => r.seq)).size).toBe(seen.length);
  });
});
