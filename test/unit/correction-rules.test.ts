/**
 * Corrections of dispensing records, as the state machine decides them and as the offline
 * verifier replays them. Known answers for every refusal: each bent trace is written through the
 * real commit code (real signatures, real receipts), bypassing the rules as a misbehaving or
 * compromised Ordo would, and the verifier must name the event and the check.
 */
import { describe, expect, it } from 'vitest';
import { recount, withRecord, type Dispensing } from '../../src/domain/accounting.js';
import { ACTOR_LIMIT, CORRECTION_WINDOW_MS, decide, issuedState, next, RuleError, TRACE_LIMIT, type RxState, type Step } from '../../src/domain/lifecycle.js';
import { seal } from '../../src/crypto/seal.js';
import { contentKeyOf } from '../../src/service/code-access.js';
import { commitTransition } from '../../src/service/commit.js';
import { forge } from '../support/forge.js';
import { issue, ISSUER, withCast, type TestActor } from '../support/harness.js';
import { cancel, claim, dispense, dispenseRecord, type Line } from '../support/redeem.js';
import { verifyByCode } from '../support/trace.js';

const T0 = Date.UTC(2026, 10, 28, 10);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('the state machine', () => {
  const terms = [{ quantity: 2, renewals: 1, total: 4, supplyDays: null, substitutable: true }];
  const ph = (id: string) => ({ id, kind: 'pharmacy' as const, kid: `k-${id}` });
  const ctx = (now: number, actorEvents?: number) => ({ now, earlyDays: 5, minExtension: 600_000, actorEvents });
  /** Issued, claimed by A (c1), 2 dispensed by A at T0: the records in force are given with each correction, as the server opens them. */
  const dispensed = (): RxState => {
    const s = decide(issuedState(terms, T0 + 90 * DAY), { type: 'claim', pharmacy: ph('A'), ttl: 600, ttlAsked: false, newClaimId: 'c1' }, ctx(T0)).state;
    return decide(s, { type: 'dispense', pharmacy: ph('A'), claim: 'c1', lines: [{ item: 0, quantity: 2 }] }, ctx(T0)).state;
  };
  const inForce = (index = 2, quantity = 2): Dispensing[] => [{ claim: 'c1', pharmacy: 'A', at: T0, index, lines: [{ item: 0, quantity }] }];
  const correction = (o: Partial<Extract<Step, { type: 'correct' }>> = {}): Step => ({ type: 'correct', pharmacy: ph('A'), claim: 'c1', corrects: 2, lines: [{ item: 0, quantity: 1 }], terms, dispensings: inForce(), ...o });
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return err instanceof RuleError ? { code: err.code, rule: err.rule, ...err.data } : { code: (err as RuleError).code };
    }
    return 'ok';
  };

  it('records a dispense_corrected by the pharmacy, under the claim, with the recounted progress', () => {
    const d = decide(dispensed(), correction(), ctx(T0 + HOUR));
    expect(d.events).toEqual([{ type: 'dispense_corrected', actor: ph('A'), claim: 'c1', proof: 'document' }]);
    expect(d.state).toMatchObject({ status: 'active', length: 4, progress: [{ dispensed: 1, firstAt: T0 }], dispensings: [{ claim: 'c1', at: T0, index: 3, lines: [{ item: 0, quantity: 1 }] }] });
  });

  it('refuses in order: nothing dispensed, another pharmacy, not the record in force, after 24 hours (time, with correctableUntil)', () => {
    const s = dispensed();
    expect(refusal(() => decide(s, correction({ claim: 'c2' }), ctx(T0)))).toMatchObject({ code: 'conflict' });
    expect(refusal(() => decide(s, correction({ pharmacy: ph('B') }), ctx(T0)))).toMatchObject({ code: 'forbidden' });
    expect(refusal(() => decide(s, correction({ corrects: 1 }), ctx(T0)))).toMatchObject({ code: 'conflict' });
    expect(decide(s, correction(), ctx(T0 + CORRECTION_WINDOW_MS)).events).toHaveLength(1);
    expect(refusal(() => decide(s, correction(), ctx(T0 + CORRECTION_WINDOW_MS + 1)))).toEqual({ code: 'correction_too_late', rule: 'time', correctableUntil: new Date(T0 + DAY).toISOString() });
  });

  it('the window runs from the dispense, not from the latest correction', () => {
    const later = decide(dispensed(), correction(), ctx(T0 + 20 * HOUR)).state;
    expect(refusal(() => decide(later, correction({ corrects: 3, dispensings: inForce(3, 1) }), ctx(T0 + 25 * HOUR)))).toMatchObject({ code: 'correction_too_late' });
  });

  it('reopens a completed prescription; keeps a claim open meanwhile; closed, may lower but not raise', () => {
    const full = decide(decide(issuedState(terms, T0 + 90 * DAY), { type: 'claim', pharmacy: ph('A'), ttl: 600, ttlAsked: false, newClaimId: 'c1' }, ctx(T0)).state,
      { type: 'dispense', pharmacy: ph('A'), claim: 'c1', lines: [{ item: 0, quantity: 4 }] }, ctx(T0)).state;
    expect(full.status).toBe('completed');
    expect(decide(full, correction({ dispensings: inForce(2, 4) }), ctx(T0 + HOUR)).state.status).toBe('active');
    const held = decide(dispensed(), { type: 'claim', pharmacy: ph('B'), ttl: 600, ttlAsked: false, newClaimId: 'c2' }, ctx(T0)).state;
    expect(decide(held, correction({ corrects: 2 }), ctx(T0 + 60_000)).state).toMatchObject({ status: 'claimed', claim: { id: 'c2', pharmacy: 'B' } });
    const cancelled = decide(dispensed(), { type: 'cancel', prescriber: { id: 'md', kind: 'prescriber', kid: 'k' } }, ctx(T0)).state;
    expect(decide(cancelled, correction(), ctx(T0 + HOUR)).state).toMatchObject({ status: 'cancelled', progress: [{ dispensed: 1 }] });
    expect(refusal(() => decide(cancelled, correction({ lines: [{ item: 0, quantity: 3 }] }), ctx(T0 + HOUR)))).toMatchObject({ code: 'cancelled' });
    // Beyond the total is over_dispense whatever the state.
    expect(refusal(() => decide(dispensed(), correction({ lines: [{ item: 0, quantity: 5 }] }), ctx(T0)))).toMatchObject({ code: 'over_dispense' });
  });

  it('is bounded like every step of a pharmacy (trace_full)', () => {
    const s = dispensed();
    expect(refusal(() => decide({ ...s, length: TRACE_LIMIT }, correction(), ctx(T0)))).toMatchObject({ code: 'trace_full' });
    expect(refusal(() => decide({ ...s, length: ACTOR_LIMIT }, correction(), ctx(T0, ACTOR_LIMIT)))).toMatchObject({ code: 'trace_full' });
    expect(decide({ ...s, length: ACTOR_LIMIT }, correction(), ctx(T0, 3)).events).toHaveLength(1);
  });

  it('recount: the records in force, each at its own time; a correction keeps its claim’s place and time', () => {
    const paced = [{ quantity: 2, renewals: 2, total: 6, supplyDays: 30, substitutable: true }];
    let records = withRecord([], { claim: 'c1', pharmacy: 'A', at: T0, index: 2, lines: [{ item: 0, quantity: 1 }] });
    records = withRecord(records, { claim: 'c2', pharmacy: 'B', at: T0 + HOUR, index: 4, lines: [{ item: 0, quantity: 1 }] });
    expect(recount(paced, records, 5)).toEqual([{ dispensed: 2, firstAt: T0 }]);
    const corrected = withRecord(records, { claim: 'c1', pharmacy: 'A', at: T0 + 2 * HOUR, index: 5, lines: [{ item: 0, quantity: 0 }] });
    expect(corrected.map((r) => [r.claim, r.at, r.index])).toEqual([['c1', T0, 5], ['c2', T0 + HOUR, 4]]);
    expect(recount(paced, corrected, 5)).toEqual([{ dispensed: 1, firstAt: T0 + HOUR }]);
    const ahead = withRecord(records, { claim: 'c1', pharmacy: 'A', at: 0, index: 5, lines: [{ item: 0, quantity: 2 }] });
    expect(refusal(() => recount(paced, ahead, 5))).toMatchObject({ code: 'not_yet_due' });
  });

  it('a claim dispenses once, even under its id opened again: the records in force stay one per claim', () => {
    const reopened = next(dispensed(), { type: 'claimed', at: T0, pharmacy: 'A', claim: 'c1', until: T0 + 600_000 }, 5);
    expect(refusal(() => next(reopened, { type: 'dispensed', at: T0, pharmacy: 'A', claim: 'c1', lines: [{ item: 0, quantity: 1 }] }, 5))).toMatchObject({ code: 'claim_ended' });
  });

  it('the verifier keeps the records in force as it replays; the server’s state carries none but with a correction', () => {
    const s = dispensed();
    expect(s.dispensings).toEqual(inForce());
    const fromRow: RxState = { ...s, dispensings: undefined };
    expect(next(fromRow, { type: 'claimed', at: T0, pharmacy: 'A', claim: 'c9', until: T0 + 600_000 }, 5).dispensings).toBeUndefined();
  });
});

describe('the verifier', async () => {
  const { h, doctor, pharmacy } = await withCast();
  const other = await h.addActor('pharmacy', { keyType: 'P-256' });
  const unpaced = { items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3/j', quantity: 2, unit: 'boîte', renewals: 1 }] };
  const actorOf = (a: TestActor) => ({ id: a.id, kind: 'pharmacy' as const, kid: a.key.kid });
  const check = (code: string) => verifyByCode(h, code);

  /** Issued, claimed and 2 dispensed by `pharmacy`: the trace verifies. */
  async function story(doc: Record<string, unknown> = unpaced) {
    const rx = await issue(h, doctor, doc);
    const c = await claim(h, pharmacy, rx.code);
    expect((await dispense(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 2 }])).status).toBe(201);
    expect(await check(rx.code)).toEqual({ ok: true, events: 3 });
    return { rx, claimId: c.body.claim.id };
  }

  /** Appends a dispense_corrected proved by `jws` (signed by `by`, the event's actor), through the commit alone. */
  async function append(rxId: string, claimId: string, by: TestActor, jws: string, set: { status?: 'active' } = {}) {
    const current = (await h.store.getPrescription(rxId))!;
    const stored = await seal(h.deps.crypto, await contentKeyOf(h.deps, current), jws, { kid: current.tokenKeyId, rx: rxId, idx: current.version + 1, doc: 'dispense' });
    await commitTransition(h.deps, { from: current, set, events: [{ type: 'dispense_corrected', actor: actorOf(by), claim: claimId, proof: jws, stored }] });
  }
  const record = (by: TestActor, rxId: string, claimId: string, corrects: number | undefined, lines: Line[], over: Record<string, unknown> = {}) =>
    dispenseRecord(h, by, rxId, claimId, lines, { corrects, ...over });

  it('accepts what Ordo records: a correction after the dispense that completed, and one after a cancel that lowers', async () => {
    const { rx, claimId } = await story({ items: [{ ...unpaced.items[0], renewals: 0 }] });
    // Reopened (the row as Ordo would leave it), so that the prescriber can cancel it.
    await append(rx.id, claimId, pharmacy, await record(pharmacy, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]), { status: 'active' });
    expect(await check(rx.code)).toEqual({ ok: true, events: 4 });
    expect((await cancel(h, doctor, rx.id)).status).toBe(200);
    await append(rx.id, claimId, pharmacy, await record(pharmacy, rx.id, claimId, 3, [{ item: 0, quantity: 0, reason: 'patient_refused' }]));
    expect(await check(rx.code)).toEqual({ ok: true, events: 6 });
  });

  it('lifecycle: a correction signed by another pharmacy than the one that dispensed', async () => {
    const { rx, claimId } = await story();
    await append(rx.id, claimId, other, await record(other, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]));
    expect(await check(rx.code)).toMatchObject({ ok: false, index: 3, check: 'lifecycle', message: expect.stringMatching(/only the pharmacy that dispensed/i) });
  });

  it('lifecycle: a correction under a claim that dispensed nothing', async () => {
    const { rx } = await story();
    const c2 = await claim(h, pharmacy, rx.code);
    await append(rx.id, c2.body.claim.id, pharmacy, await record(pharmacy, rx.id, c2.body.claim.id, 2, [{ item: 0, quantity: 1 }]));
    expect(await check(rx.code)).toMatchObject({ ok: false, index: 4, check: 'lifecycle' });
  });

  it('lifecycle: a correction of a record no longer in force', async () => {
    const { rx, claimId } = await story();
    await append(rx.id, claimId, pharmacy, await record(pharmacy, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]));
    expect(await check(rx.code)).toMatchObject({ ok: true });
    await append(rx.id, claimId, pharmacy, await record(pharmacy, rx.id, claimId, 2, [{ item: 0, quantity: 2 }]));
    expect(await check(rx.code)).toMatchObject({ ok: false, index: 4, check: 'lifecycle', message: expect.stringContaining('event 3') });
  });

  it('time_bound: a correction more than 24 hours after the dispense', async () => {
    const { rx, claimId } = await story();
    h.advance(DAY + 1000);
    await append(rx.id, claimId, pharmacy, await record(pharmacy, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]));
    expect(await check(rx.code)).toMatchObject({ ok: false, index: 3, check: 'time_bound' });
  });

  it('lifecycle: a recount beyond the total, ahead of the pace, or raising after a cancel', async () => {
    const beyond = await story();
    await append(beyond.rx.id, beyond.claimId, pharmacy, await record(pharmacy, beyond.rx.id, beyond.claimId, 2, [{ item: 0, quantity: 5 }]));
    expect(await check(beyond.rx.code)).toMatchObject({ ok: false, index: 3, check: 'lifecycle' });

    const ahead = await story({ items: [{ ...unpaced.items[0], supplyDays: 30 }] });
    await append(ahead.rx.id, ahead.claimId, pharmacy, await record(pharmacy, ahead.rx.id, ahead.claimId, 2, [{ item: 0, quantity: 3 }]));
    expect(await check(ahead.rx.code)).toMatchObject({ ok: false, index: 3, check: 'lifecycle', message: expect.stringMatching(/not due/) });

    const raised = await story();
    expect((await cancel(h, doctor, raised.rx.id)).status).toBe(200);
    await append(raised.rx.id, raised.claimId, pharmacy, await record(pharmacy, raised.rx.id, raised.claimId, 2, [{ item: 0, quantity: 3 }]));
    expect(await check(raised.rx.code)).toMatchObject({ ok: false, index: 4, check: 'lifecycle', message: expect.stringMatching(/cancelled/) });
  });

  it('binding: a correction naming another claim, another prescription, or no record it corrects', async () => {
    for (const over of [{ claim: 'T3RoZXItY2xhaW0tbmFtZWQ' }, { prescription: (await issue(h, doctor, unpaced)).id }, { corrects: undefined }, { corrects: 'two' }]) {
      const { rx, claimId } = await story();
      await append(rx.id, claimId, pharmacy, await record(pharmacy, rx.id, claimId, 2, [{ item: 0, quantity: 1 }], over));
      expect(await check(rx.code), JSON.stringify(over)).toMatchObject({ ok: false, index: 3, check: 'binding' });
    }
  });

  it('signature: a correction proved by a request token instead of a dispensing record', async () => {
    const { rx, claimId } = await story();
    const now = Math.floor(h.clock.now / 1000);
    const jws = await forge(pharmacy.key, { alg: pharmacy.key.alg, kid: pharmacy.key.kid, typ: 'ordo-req+jwt' }, { iss: pharmacy.id, aud: ISSUER, iat: now, exp: now + 60, jti: 'not-a-record-0001', prescription: rx.id, claim: claimId, corrects: 2, lines: [{ item: 0, quantity: 1 }] });
    await append(rx.id, claimId, pharmacy, jws);
    expect(await check(rx.code)).toMatchObject({ ok: false, index: 3, check: 'signature' });
  });
});
