/**
 * GET /v1/feed on every commit path: who reads what, cursors, long polling (a cancel reaches the
 * pharmacy holding the claim within one wait), Server-Sent Events, bad input, and a reader
 * following its cursor while many writers commit at once: each event once, none skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1FeedEvent, V1FeedPage } from '../../src/contract/feed.js';
import { COMMIT_PATHS, issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { cancel, claim, dispense, release } from '../support/redeem.js';

const oneItem = { items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3/j', quantity: 2, unit: 'boîte' }] };

async function read(h: Harness, actor: TestActor, query = '') {
  const res = await h.call(actor, 'GET', `/v1/feed${query}`);
  const body = (await res.json()) as V1FeedPage & { code?: string };
  return { status: res.status, body };
}
const kinds = (events: V1FeedEvent[]) => events.map((e) => `${e.index}:${e.type}`);

describe.each(COMMIT_PATHS)('the feed (%s)', (_name, opts) => {
  let h: Harness;
  let doctor: TestActor;
  let other: TestActor;
  let a: TestActor;
  let b: TestActor;
  let c: TestActor;
  beforeAll(async () => {
    h = await makeHarness(opts);
    doctor = await h.addActor('prescriber');
    other = await h.addActor('prescriber');
    a = await h.addActor('pharmacy');
    b = await h.addActor('pharmacy', { keyType: 'P-256' });
    c = await h.addActor('pharmacy');
  });
  afterAll(() => h.close());

  it('gives the prescriber its prescriptions, each pharmacy what it claimed from its claim on, nobody else anything', async () => {
    const rx = await issue(h, doctor, { ...oneItem, renewals: 1 });
    const ca = (await claim(h, a, rx.code)).body.claim.id;
    expect((await dispense(h, a, rx.id, ca, [{ item: 0, quantity: 2 }])).status).toBe(201);
    const cb = (await claim(h, b, rx.code)).body.claim.id;
    expect((await release(h, b, rx.id, cb)).status).toBe(200);
    expect((await cancel(h, doctor, rx.id)).status).toBe(200);

    const md = await read(h, doctor);
    expect(md.status).toBe(200);
    expect(kinds(md.body.events)).toEqual(['0:issued', '1:claimed', '2:dispensed', '3:claimed', '4:released', '5:cancelled']);
    // The prescriber sees pharmacies by kind only, as in its view.
    expect(md.body.events[1]!.actor).toEqual({ kind: 'pharmacy' });
    expect(md.body.events[0]!.actor).toMatchObject({ id: doctor.id, kind: 'prescriber' });
    const seqs = md.body.events.map((e) => e.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(md.body.cursor).toBe(String(seqs.at(-1)));
    // Each event chains onto the one before, as the trace does.
    for (let i = 1; i < md.body.events.length; i++) expect(md.body.events[i]!.prevHash).toBe(md.body.events[i - 1]!.hash);
    expect(md.body.events[0]!.prevHash).toBe('A'.repeat(43));

    const pa = await read(h, a);
    expect(kinds(pa.body.events)).toEqual(['1:claimed', '2:dispensed', '3:claimed', '4:released', '5:cancelled']);
    expect(pa.body.events[0]!.actor).toMatchObject({ id: a.id, kind: 'pharmacy' });
    expect(pa.body.events[2]!.actor).toEqual({ kind: 'pharmacy' }); // B, seen by A
    expect(pa.body.events[4]!.actor).toMatchObject({ id: doctor.id, kind: 'prescriber' });
    const pb = await read(h, b);
    expect(kinds(pb.body.events)).toEqual(['3:claimed', '4:released', '5:cancelled']);
    expect((await read(h, c)).body).toEqual({ events: [], cursor: '0' });
    expect((await read(h, other)).body).toEqual({ events: [], cursor: '0' });

    // Pages follow the cursor: nothing repeated, nothing skipped.
    const p1 = await read(h, doctor, '?limit=4');
    const p2 = await read(h, doctor, `?limit=4&after=${p1.body.cursor}`);
    expect([...p1.body.events, ...p2.body.events]).toEqual(md.body.events);
    expect((await read(h, doctor, `?after=${md.body.cursor}`)).body).toEqual({ events: [], cursor: md.body.cursor });
  });

  it('long polling: the pharmacy holding the claim learns of the cancel within one wait', async () => {
    const rx = await issue(h, doctor, oneItem);
    expect((await claim(h, c, rx.code)).status).toBe(201);
    const { body: now } = await read(h, c);
    const waiting = read(h, c, `?after=${now.cursor}&wait=20`);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect((await cancel(h, doctor, rx.id)).status).toBe(200);
    const got = await waiting;
    expect(got.status).toBe(200);
    expect(got.body.events.map((e) => [e.prescriptionId, e.type])).toEqual([[rx.id, 'cancelled']]);
    // Woken by the event, not by the end of the wait (20 s).
    expect(Date.now() - started).toBeLessThan(4_500); // below the 5 s re-read: the hub woke it
  });

  it('a wait with nothing new answers an empty page and the same cursor', async () => {
    const { body } = await read(h, other);
    expect((await read(h, other, `?after=${body.cursor}&wait=1`)).body).toEqual({ events: [], cursor: body.cursor });
  });

  it("the upgrade's backfill (migration 0005 / pg 0002) rebuilds exactly the feed that commits wrote", async () => {
    const feedRows = () => h.rows<{ actor_id: string; seq: number }>('SELECT actor_id, seq FROM feed ORDER BY actor_id, seq');
    const readers = () => h.rows('SELECT prescription_id, actor_id, since_idx FROM feed_readers ORDER BY prescription_id, actor_id');
    const [rows, who] = [await feedRows(), await readers()];
    expect(rows.length).toBeGreaterThan(15);
    const exec = async (q: string) => void (opts.postgres ? await h.rows(q) : h.db.exec(q));
    await exec('DELETE FROM feed');
    await exec('DELETE FROM feed_readers');
    const file = opts.postgres ? 'drizzle/pg/0002_feed.sql' : 'drizzle/0005_feed.sql';
    const statements = readFileSync(join(import.meta.dirname, '../..', file), 'utf8').split('--> statement-breakpoint').filter((q) => /^\s*(--[^\n]*\n\s*)*INSERT/i.test(q));
    expect(statements).toHaveLength(3);
    for (const q of statements) await exec(q);
    expect(await readers()).toEqual(who);
    expect(await feedRows()).toEqual(rows);
  });

  it('answers 200 or 400 to arbitrary queries, never a 5xx', async () => {
    const text = fc.oneof(fc.string({ maxLength: 24 }), fc.stringMatching(/^[0-9]{1,20}$/), fc.constantFrom('0', '-1', '1e3', '00', '0x10', '9007199254740993', '%00', ''));
    const wait = fc.constantFrom('', '0', '-1', '31', 'x', '1.5', '00', '%00');
    await fc.assert(
      fc.asyncProperty(fc.record({ after: text, limit: text, wait }), fc.constantFrom('prescriber', 'pharmacy'), async (q, who) => {
        const query = Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
        const r = await h.call(who === 'prescriber' ? doctor : a, 'GET', `/v1/feed?${query}`);
        expect([200, 400], `${query} → ${r.status}`).toContain(r.status);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses bad cursors, limits, waits, members, the registrar, a replayed token, a suspended actor', async () => {
    for (const q of ['?after=abc', '?after=-1', '?after=01', '?after=1.5', '?limit=0', '?limit=501', '?wait=31', '?wait=-1', '?since=3']) {
      const r = await read(h, doctor, q);
      expect([q, r.status, r.body.code]).toEqual([q, 400, 'bad_request']);
    }
    const admin = await h.send('GET', '/v1/feed', { headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(admin.status).toBe(401);
    const res = await h.call(doctor, 'GET', '/v1/feed', { jti: 'feed-replay-0123456789' });
    expect(res.status).toBe(200);
    const again = await h.call(doctor, 'GET', '/v1/feed', { jti: 'feed-replay-0123456789' });
    expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([401, 'replayed_token']);
    const gone = await h.addActor('pharmacy');
    expect((await h.admin('POST', `/v1/admin/actors/${gone.id}/suspend`)).status).toBe(200);
    expect((await read(h, gone)).status).toBe(403);
  });
});

describe.each(COMMIT_PATHS)('a reader following its cursor under concurrent writers (%s)', (_name, opts) => {
  let h: Harness;
  afterAll(() => h.close());

  it('sees each of its events exactly once, in seq order', async () => {
    h = await makeHarness(opts);
    await h.listen();
    const doctors = [await h.addActor('prescriber'), await h.addActor('prescriber')];
    const pharmacies = [await h.addActor('pharmacy'), await h.addActor('pharmacy'), await h.addActor('pharmacy')];
    const reader = doctors[0]!;
    const seen: V1FeedEvent[] = [];
    let stop = false;
    let cursor = '0';
    const follow = (async () => {
      while (!stop) {
        const r = await read(h, reader, `?after=${cursor}&limit=7&wait=1`);
        expect(r.status).toBe(200);
        seen.push(...r.body.events);
        cursor = r.body.cursor;
      }
    })();
    // 12 prescriptions, each claimed, dispensed in part, released, claimed by another, cancelled: all at once.
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const doctor = doctors[i % 2]!;
        const rx = await issue(h, doctor, { ...oneItem, renewals: 1 });
        const p = pharmacies[i % 3]!;
        const q = pharmacies[(i + 1) % 3]!;
        const c1 = (await claim(h, p, rx.code)).body.claim.id;
        await dispense(h, p, rx.id, c1, [{ item: 0, quantity: 1 }]);
        const c2 = (await claim(h, q, rx.code)).body.claim.id;
        await release(h, q, rx.id, c2);
        await cancel(h, doctor, rx.id);
      }),
    );
    // Let the follower catch up, then stop it.
    const expected = await h.rows<{ seq: number }>(
      'SELECT e.seq AS seq FROM events e JOIN prescriptions p ON p.id = e.prescription_id WHERE p.prescriber_id = ? ORDER BY e.seq',
      reader.id,
    );
    for (let i = 0; i < 100 && seen.length < expected.length; i++) await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await follow;
    expect(expected).toHaveLength(36);
    expect(seen.map((e) => e.seq)).toEqual(expected.map((r) => Number(r.seq)));
  });
});

describe('Server-Sent Events', () => {
  let h: Harness;
  let base: string;
  let doctor: TestActor;
  let pharmacy: TestActor;
  beforeAll(async () => {
    h = await makeHarness();
    base = await h.listen();
    doctor = await h.addActor('prescriber');
    pharmacy = await h.addActor('pharmacy');
  });
  afterAll(() => h.close());

  /** Opens the stream with a token valid `lifetime` seconds; collects its messages. */
  async function open(lastEventId?: string, lifetime = 60) {
    const { signRequestToken } = await import('../../src/client/sign.js');
    const token = await signRequestToken({ key: pharmacy.key, iss: pharmacy.id, aud: 'https://ordo.test', method: 'GET', path: '/v1/feed', now: Math.floor(h.clock.now / 1000), lifetime });
    const abort = new AbortController();
    const res = await fetch(`${base}/v1/feed`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId && { 'last-event-id': lastEventId }) }, signal: abort.signal });
    const messages: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (m) => messages.push(m) });
    const done = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // aborted
      }
    })();
    return { res, messages, done, close: () => abort.abort() };
  }
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  };

  it('streams what is there, then each event as it comes; Last-Event-ID resumes; the end of the token ends it', async () => {
    const rx = await issue(h, doctor, oneItem);
    const cl = (await claim(h, pharmacy, rx.code)).body.claim.id;
    const s = await open();
    expect(s.res.status).toBe(200);
    expect(s.res.headers.get('content-type')).toContain('text/event-stream');
    await until(() => s.messages.length >= 1);
    expect(s.messages.map((m) => JSON.parse(m.data).type)).toEqual(['claimed']);
    await dispense(h, pharmacy, rx.id, cl, [{ item: 0, quantity: 1 }]);
    await until(() => s.messages.length >= 2);
    const [first, second] = s.messages.map((m) => ({ id: m.id, e: JSON.parse(m.data) as V1FeedEvent }));
    expect(second!.e).toMatchObject({ type: 'dispensed', index: 2, prescriptionId: rx.id });
    expect(second!.id).toBe(String(second!.e.seq));
    s.close();
    await s.done;

    // Resumed after the first: the second again, then the cancel as it comes.
    const r = await open(first!.id);
    await until(() => r.messages.length >= 1);
    await cancel(h, doctor, rx.id);
    await until(() => r.messages.length >= 2);
    expect(r.messages.map((m) => JSON.parse(m.data).type)).toEqual(['dispensed', 'cancelled']);
    r.close();
    await r.done;

    // A token that is about to expire: the stream says `end` with the cursor, and closes.
    const e = await open(undefined, 2);
    await e.done;
    expect(e.messages.at(-1)).toMatchObject({ event: 'end' });
    expect(JSON.parse(e.messages.at(-1)!.data)).toEqual({ cursor: e.messages.at(-2)!.id });
  }, 20_000);

  it('refuses a Last-Event-ID that is not a cursor', async () => {
    const res = await h.call(pharmacy, 'GET', '/v1/feed', { headers: { accept: 'text/event-stream', 'last-event-id': 'x1' } });
    expect(res.status).toBe(400);
  });
});
