import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import type { V1Lookup, V1PrescriberView } from '../../src/contract/index.js';
import { endOfDay, localDate } from '../../src/domain/calendar.js';
import { sweep } from '../../src/service/sweep.js';
import { issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { cancel, claim, dispense, release, snapshot } from '../support/redeem.js';

const DAY = 86_400_000;
let h: Harness;
let doctor: TestActor;
let pharmA: TestActor;
let pharmB: TestActor;
let pharmC: TestActor;

beforeAll(async () => {
  h = await makeHarness();
  doctor = await h.addActor('prescriber');
  pharmA = await h.addActor('pharmacy');
  pharmB = await h.addActor('pharmacy', { keyType: 'P-256' });
  pharmC = await h.addActor('pharmacy');
});
afterAll(() => h.close());

/** Two items, one renewal each, no pace: item 0 total 4, item 1 total 2. */
const twoItems = {
  renewals: 1,
  items: [
    { code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3/j', quantity: 2, unit: 'boîte' },
    { code: { system: 'CIP7', value: '3595583' }, label: 'Ibuprofène 200 mg', dosage: '1 cp si douleur', quantity: 1, unit: 'boîte', substitutable: false, substitutionReason: 'MTE' },
  ],
};

describe('the full story', () => {
  it('part at A, release, the rest at B, completed, then 410 for a third', async () => {
    const rx = await issue(h, doctor, twoItems);
    const a = await claim(h, pharmA, rx.payload);
    expect(a.status).toBe(201);
    expect(a.body.prescription).toMatchObject({ id: rx.id, status: 'claimed', document: rx.jws, prescriber: { id: doctor.id, name: 'Dr Claire Roussel', profession: 'médecin' } });
    expect(a.body.prescription.content.items).toHaveLength(2);
    expect(a.body.prescription.remaining).toEqual([{ item: 0, total: 4, dispensed: 0, remaining: 4, dispensableNow: 4, dueAt: null }, { item: 1, total: 2, dispensed: 0, remaining: 2, dispensableNow: 2, dueAt: null }]);
    expect(a.body.claim.expiresAt).toBe(new Date(h.clock.now + 600_000).toISOString());
    expect(decodeJwt(a.body.receipt)).toMatchObject({ sub: rx.id, evt: { index: 1, type: 'claimed', claim: a.body.claim.id, claimedUntil: a.body.claim.expiresAt } });

    const elsewhere = await claim(h, pharmB, rx.code);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body).toMatchObject({ code: 'claimed_elsewhere', claimedUntil: a.body.claim.expiresAt });

    const d1 = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 2, lot: 'A123' }, { item: 1, quantity: 0, reason: 'out_of_stock' }]);
    expect(d1.status).toBe(201);
    expect(d1.body).toMatchObject({ status: 'active', remaining: [{ item: 0, dispensed: 2, remaining: 2 }, { item: 1, dispensed: 0, remaining: 2 }], nextDueAt: null });
    // The dispense ended the claim.
    const late = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 1, quantity: 1 }]);
    expect([late.status, late.body.code]).toEqual([409, 'claim_ended']);

    const a2 = await claim(h, pharmA, rx.code);
    expect(a2.status).toBe(201);
    expect(a2.body.claim.id).not.toBe(a.body.claim.id);
    const rel = await release(h, pharmA, rx.id, a2.body.claim.id, 'patient left');
    expect(rel.status).toBe(200);
    expect(rel.body.status).toBe('active');
    const again = await release(h, pharmA, rx.id, a2.body.claim.id);
    expect(again).toEqual(rel);

    const b = await claim(h, pharmB, rx.code);
    expect(b.status).toBe(201);
    const d2 = await dispense(h, pharmB, rx.id, b.body.claim.id, [{ item: 0, quantity: 2 }, { item: 1, quantity: 2 }]);
    expect(d2.status).toBe(201);
    expect(d2.body.status).toBe('completed');

    const c = await claim(h, pharmC, rx.code);
    expect([c.status, c.body.code]).toEqual([410, 'already_completed']);

    const look = (await (await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: rx.code }) })).json()) as V1Lookup;
    expect(look.events.map((e) => e.type)).toEqual(['issued', 'claimed', 'dispensed', 'claimed', 'released', 'claimed', 'dispensed']);
    expect(look.events[2]!.proof).toBe(d1.jws);
    expect(look.status).toBe('completed');
    const view = (await (await h.call(doctor, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id })).json()) as V1PrescriberView;
    expect(view.events[1]!.actor).toEqual({ kind: 'pharmacy' });
    expect(JSON.stringify(view)).not.toContain(pharmA.id);
  });

  it('a dispense retry (same record) answers the original with 200; another record under that jti is 409', async () => {
    const rx = await issue(h, doctor, twoItems);
    const a = await claim(h, pharmA, rx.code);
    const d = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }], { jti: 'd-retry-1' });
    const r = await dispense(h, pharmA, rx.id, a.body.claim.id, [], {}, d.jws);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(d.body);
    const other = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 2 }], { jti: 'd-retry-1' });
    expect([other.status, other.body.code]).toEqual([409, 'conflict']);
  });
});

describe('refusals change nothing', () => {
  it.each([
    ['unknown item', [{ item: 5, quantity: 1 }], 422, 'unknown_item'],
    ['over-dispense', [{ item: 0, quantity: 5 }], 422, 'over_dispense'],
    ['substitution of a non-substitutable item', [{ item: 1, quantity: 1, substitution: { type: 'generic' } }], 422, 'substitution_forbidden'],
    ['quantity 0 without a reason', [{ item: 0, quantity: 0 }], 422, 'invalid_document'],
  ] as const)('%s → %i %s', async (_n, lines, status, code) => {
    const rx = await issue(h, doctor, twoItems);
    const a = await claim(h, pharmA, rx.code);
    const before = snapshot(h, rx.id);
    const d = await dispense(h, pharmA, rx.id, a.body.claim.id, lines as never);
    expect([d.status, d.body.code]).toEqual([status, code]);
    expect(snapshot(h, rx.id)).toEqual(before);
  });

  it('dispensedAt in the future or more than 72 h back; a record for another claim; a claim of another pharmacy', async () => {
    const rx = await issue(h, doctor, twoItems);
    const a = await claim(h, pharmA, rx.code);
    const before = snapshot(h, rx.id);
    const future = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }], { dispensedAt: new Date(h.clock.now + 3600_000).toISOString() });
    expect([future.status, future.body.code]).toEqual([422, 'invalid_document']);
    const old = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }], { dispensedAt: new Date(h.clock.now - 73 * 3600_000).toISOString() });
    expect([old.status, old.body.code]).toEqual([422, 'invalid_document']);
    const wrongClaim = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }], { claim: 'someotherclaim' });
    expect([wrongClaim.status, wrongClaim.body.code]).toEqual([422, 'invalid_document']);
    const stolen = await dispense(h, pharmB, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }]);
    expect([stolen.status, stolen.body.code]).toEqual([403, 'forbidden']);
    const ok = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }], { dispensedAt: new Date(h.clock.now - 71 * 3600_000).toISOString() });
    expect(ok.status).toBe(201);
    expect(before.events).toEqual({ n: 2 });
  });
});

describe('pace', () => {
  it('too early: not_yet_due with nextDueAt; on time: accepted', async () => {
    const rx = await issue(h, doctor); // quantity 2, supplyDays 30, renewals 2 → total 6
    const a = await claim(h, pharmA, rx.code);
    const first = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 2 }]);
    expect(first.status).toBe(201);
    const firstAt = h.clock.now;
    expect(first.body.nextDueAt).toBe(new Date(firstAt + 25 * DAY).toISOString());
    h.advance(10 * DAY);
    const b = await claim(h, pharmB, rx.code);
    const before = snapshot(h, rx.id);
    const early = await dispense(h, pharmB, rx.id, b.body.claim.id, [{ item: 0, quantity: 2 }]);
    expect(early.status).toBe(422);
    expect(early.body).toMatchObject({ code: 'not_yet_due', nextDueAt: new Date(firstAt + 25 * DAY).toISOString() });
    expect(snapshot(h, rx.id)).toEqual(before);
    await release(h, pharmB, rx.id, b.body.claim.id);
    h.clock.now = firstAt + 25 * DAY;
    const b2 = await claim(h, pharmB, rx.code);
    const onTime = await dispense(h, pharmB, rx.id, b2.body.claim.id, [{ item: 0, quantity: 2 }]);
    expect(onTime.status).toBe(201);
    // 2 a period of 30 days, 5 days early allowed: the last 2 from day 55 on.
    expect(onTime.body.remaining).toEqual([{ item: 0, total: 6, dispensed: 4, remaining: 2, dispensableNow: 0, dueAt: new Date(firstAt + 55 * DAY).toISOString() }]);
  });
});

describe('claims in time', () => {
  it('the holder claiming again: same claim, renewed only once less than half is left', async () => {
    const rx = await issue(h, doctor);
    const a = await claim(h, pharmA, rx.code, 600);
    h.advance(200_000);
    const same = await claim(h, pharmA, rx.code, 600);
    expect(same.status).toBe(200);
    expect(same.body.claim).toEqual(a.body.claim);
    expect(same.body.receipt).toBe(a.body.receipt);
    h.advance(200_000);
    const renewed = await claim(h, pharmA, rx.code, 600);
    expect(renewed.status).toBe(200);
    expect(renewed.body.claim.id).toBe(a.body.claim.id);
    expect(renewed.body.claim.expiresAt).toBe(new Date(h.clock.now + 600_000).toISOString());
    expect(decodeJwt(renewed.body.receipt)).toMatchObject({ evt: { type: 'claimed', index: 2 } });
  });

  it('the holder asking for a longer ttl (goods on order) gets it at once; the same or a shorter one changes nothing', async () => {
    const rx = await issue(h, doctor);
    const a = await claim(h, pharmA, rx.code, 600);
    h.advance(10_000);
    const same = await claim(h, pharmA, rx.code, 600);
    expect(same.body.receipt).toBe(a.body.receipt);
    const shorter = await claim(h, pharmA, rx.code, 300);
    expect(shorter.body.claim).toEqual(a.body.claim);
    const longer = await claim(h, pharmA, rx.code, 259_200);
    expect(longer.status).toBe(200);
    expect(longer.body.claim).toEqual({ id: a.body.claim.id, expiresAt: new Date(h.clock.now + 259_200_000).toISOString() });
    expect(decodeJwt(longer.body.receipt)).toMatchObject({ evt: { type: 'claimed', index: 2, claim: a.body.claim.id, claimedUntil: longer.body.claim.expiresAt } });
    // Now a 3-day claim: a 10-minute request neither shortens nor renews it.
    const after = await claim(h, pharmA, rx.code, 600);
    expect(after.body.claim).toEqual(longer.body.claim);
    expect(after.body.receipt).toBe(longer.body.receipt);
  });

  it('ttl above ORDO_CLAIM_MAX_TTL is refused; goods on order may hold it 3 days', async () => {
    const rx = await issue(h, doctor);
    expect((await claim(h, pharmA, rx.code, 259_201)).status).toBe(400);
    const long = await claim(h, pharmA, rx.code, 259_200);
    expect(long.status).toBe(201);
  });

  it('a lapsed claim stays usable by its holder until someone else claims; then claim_expired + claimed in one write', async () => {
    const rx = await issue(h, doctor, twoItems);
    const a = await claim(h, pharmA, rx.code);
    h.advance(700_000);
    const d = await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }]);
    expect(d.status).toBe(201);
    const a2 = await claim(h, pharmA, rx.code);
    h.advance(700_000);
    const b = await claim(h, pharmB, rx.code);
    expect(b.status).toBe(201);
    const late = await dispense(h, pharmA, rx.id, a2.body.claim.id, [{ item: 0, quantity: 1 }]);
    expect([late.status, late.body.code]).toEqual([409, 'claim_ended']);
    const types = (h.db.prepare('select type, at from events where prescription_id = ? order by idx').all(rx.id) as { type: string }[]).map((e) => e.type);
    expect(types).toEqual(['issued', 'claimed', 'dispensed', 'claimed', 'claim_expired', 'claimed']);
  });

  it('the sweep records claim_expired (never before expiry) and expired', async () => {
    const h2 = await makeHarness();
    try {
      const d = await h2.addActor('prescriber');
      const p = await h2.addActor('pharmacy');
      const rx = await issue(h2, d, { validUntil: '2026-12-01' });
      const a = await claim(h2, p, rx.code);
      h2.advance(599_000);
      expect((await sweep(h2.deps)).claimsEnded).toBe(0);
      h2.advance(1_000);
      expect((await sweep(h2.deps)).claimsEnded).toBe(1);
      const late = await dispense(h2, p, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }]);
      expect([late.status, late.body.code]).toEqual([409, 'claim_ended']);
      // validUntil 2026-12-01 ends at 2026-12-02T00:00 Paris = 2026-12-01T23:00Z
      h2.clock.now = Date.UTC(2026, 11, 1, 22, 59, 59);
      expect((await sweep(h2.deps)).expired).toBe(0);
      h2.clock.now = Date.UTC(2026, 11, 1, 23, 0, 0);
      expect((await sweep(h2.deps)).expired).toBe(1);
      const c = await claim(h2, p, rx.code);
      expect([c.status, c.body.code]).toEqual([410, 'expired']);
      const events = await h2.deps.store.getEvents(rx.id);
      expect(events.map((e) => e.type)).toEqual(['issued', 'claimed', 'claim_expired', 'expired']);
      expect(events[3]!.at).toBe('2026-12-01T23:00:00.000Z');
      // Replay records and old attempt counters are purged too.
      expect(h2.db.prepare('select count(*) n from request_tokens where expires_at < ?').get(h2.clock.now)).toEqual({ n: 0 });
      await h2.send('POST', '/v1/lookup', { body: JSON.stringify({ code: 'ORDO1:' + '0'.repeat(40) }) });
      expect(h2.db.prepare('select count(*) n from code_attempts').get()).toEqual({ n: 1 });
      h2.advance(30 * 60_000);
      await sweep(h2.deps);
      expect(h2.db.prepare('select count(*) n from code_attempts').get()).toEqual({ n: 0 });
    } finally {
      h2.close();
    }
  });

  it('expiry is checked on access too', async () => {
    const today = localDate(h.clock.now, 'Europe/Paris');
    const rx = await issue(h, doctor, { validUntil: today });
    h.clock.now = endOfDay(today, 'Europe/Paris');
    const res = await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: rx.code }) });
    const body = (await res.json()) as V1Lookup;
    expect(body.status).toBe('expired');
    expect(body.events.at(-1)).toMatchObject({ type: 'expired', actor: 'ordo', at: new Date(h.clock.now).toISOString() });
  });
});

describe('cancel', () => {
  it('cancel while claimed wins: the claimant gets 410 cancelled with the reason; idempotent; dispensings stay', async () => {
    const rx = await issue(h, doctor, twoItems);
    const a = await claim(h, pharmA, rx.code);
    await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }]);
    const a2 = await claim(h, pharmA, rx.code);
    const c = await cancel(h, doctor, rx.id, 'Interaction médicamenteuse');
    expect(c.status).toBe(200);
    expect(c.body.status).toBe('cancelled');
    const d = await dispense(h, pharmA, rx.id, a2.body.claim.id, [{ item: 0, quantity: 1 }]);
    expect(d.status).toBe(410);
    expect(d.body).toMatchObject({ code: 'cancelled', reason: 'Interaction médicamenteuse' });
    expect(await cancel(h, doctor, rx.id, 'again')).toEqual(c);
    const b = await claim(h, pharmB, rx.code);
    expect([b.status, b.body.code, b.body.reason]).toEqual([410, 'cancelled', 'Interaction médicamenteuse']);
    const look = (await (await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: rx.code }) })).json()) as V1Lookup;
    expect(look.remaining[0]!.dispensed).toBe(1);
    expect(look.cancelReason).toBe('Interaction médicamenteuse');
  });

  it('cancelling a completed or expired prescription is 410; someone else\'s is 404; an empty reason is 400', async () => {
    const rx = await issue(h, doctor, { items: [{ code: { system: 'text', value: 'Bas de contention' }, label: 'Bas de contention', dosage: 'le jour', quantity: 1, unit: 'paire' }] });
    const a = await claim(h, pharmA, rx.code);
    await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }]);
    const c = await cancel(h, doctor, rx.id);
    expect([c.status, c.body.code]).toEqual([410, 'already_completed']);
    const other = await h.addActor('prescriber');
    const rx2 = await issue(h, doctor);
    expect((await cancel(h, other, rx2.id)).status).toBe(404);
    expect((await cancel(h, doctor, rx2.id, '')).status).toBe(400);
  });
});
