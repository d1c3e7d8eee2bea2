/**
 * No loop of valid requests grows one prescription's trace without end: everyone who looks the
 * prescription up receives (and the pages verify) every event. A longer `ttl` renews a claim
 * only by a meaningful step; one pharmacy may append at most ACTOR_LIMIT events, and pharmacies
 * together at most TRACE_LIMIT; a cancel and Ordo's own events are always recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTOR_LIMIT, TRACE_LIMIT } from '../../src/domain/lifecycle.js';
import { issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { cancel, claim, dispense, release } from '../support/redeem.js';
import { lookupByCode, verifyByCode } from '../support/trace.js';

let h: Harness;
let doctor: TestActor;
let pharmacies: TestActor[];
beforeAll(async () => {
  h = await makeHarness();
  doctor = await h.addActor('prescriber');
  pharmacies = [];
  for (let i = 0; i < 4; i++) pharmacies.push(await h.addActor('pharmacy'));
});
afterAll(() => h.close());

const events = (id: string) => (h.db.prepare('select count(*) n from events where prescription_id = ?').get(id) as { n: number }).n;

const lookup = (code: string) => lookupByCode(h, code);
const verified = (code: string) => verifyByCode(h, code);

describe('bounded traces', () => {
  it('a holder asking for ever longer ttls (601, 602, 603 …) is not renewed each time', async () => {
    const rx = await issue(h, doctor);
    const first = await claim(h, pharmacies[0]!, rx.code, 600);
    expect(first.status).toBe(201);
    const before = (await lookup(rx.code)).text.length;
    for (let ttl = 601; ttl < 1001; ttl++) {
      const r = await claim(h, pharmacies[0]!, rx.code, ttl);
      expect([r.status, r.body.claim.id]).toEqual([200, first.body.claim.id]);
    }
    expect(events(rx.id)).toBe(2);
    expect((await lookup(rx.code)).text.length).toBe(before);
    // A real extension (goods on order) still renews at once.
    const longer = await claim(h, pharmacies[0]!, rx.code, 3 * 86_400);
    expect(longer.status).toBe(200);
    expect(Date.parse(longer.body.claim.expiresAt)).toBe(h.clock.now + 3 * 86_400_000);
    expect(events(rx.id)).toBe(3);
  });

  it(`one pharmacy looping claim and release stops at ${ACTOR_LIMIT} events with 409 trace_full; others can still dispense`, async () => {
    const rx = await issue(h, doctor);
    const loop = pharmacies[1]!;
    let refused;
    for (let i = 0; i < ACTOR_LIMIT; i++) {
      const c = await claim(h, loop, rx.code);
      if (c.status !== 201) {
        refused = c;
        break;
      }
      const r = await release(h, loop, rx.id, c.body.claim.id);
      if (r.status !== 200) {
        refused = r;
        break;
      }
    }
    expect(refused?.status).toBe(409);
    expect(refused?.body.code).toBe('trace_full');
    expect(events(rx.id)).toBe(1 + ACTOR_LIMIT);
    const other = await claim(h, pharmacies[2]!, rx.code);
    expect(other.status).toBe(201);
    expect((await dispense(h, pharmacies[2]!, rx.id, other.body.claim.id, [{ item: 0, quantity: 0, reason: 'out_of_stock' }])).status).toBe(201);
    expect(await verified(rx.code)).toMatchObject({ ok: true });
  });

  it(`pharmacies together stop at ${TRACE_LIMIT} events; a cancel is still recorded, and the trace verifies`, async () => {
    const rx = await issue(h, doctor);
    let refused;
    for (let i = 0; !refused && i < TRACE_LIMIT; i++) {
      const p = pharmacies[i % pharmacies.length]!;
      const c = await claim(h, p, rx.code);
      if (c.status !== 201) refused = c;
      else {
        // A dispense of nothing (out of stock) is a valid step that changes no quantity.
        const d = await dispense(h, p, rx.id, c.body.claim.id, [{ item: 0, quantity: 0, reason: 'out_of_stock' }]);
        if (d.status !== 201) refused = d;
      }
    }
    expect([refused?.status, refused?.body.code]).toEqual([409, 'trace_full']);
    expect(events(rx.id)).toBe(TRACE_LIMIT);
    const c = await cancel(h, doctor, rx.id);
    expect([c.status, c.body.status]).toEqual([200, 'cancelled']);
    expect(events(rx.id)).toBe(TRACE_LIMIT + 1);
    expect(await verified(rx.code)).toMatchObject({ ok: true, events: TRACE_LIMIT + 1 });
  });
});
