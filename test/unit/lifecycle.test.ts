/**
 * The state machine alone (pure: no store, no clock, no HTTP): the transitions of every step,
 * the refusals, the bounds, and a property over random sequences of requests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTOR_LIMIT, decide, issuedState, next, RuleError, TRACE_LIMIT, type RxState, type Step, type StepContext } from '../../src/domain/lifecycle.js';

const T0 = Date.UTC(2026, 10, 28, 10);
const DAY = 86_400_000;
const terms = [{ quantity: 2, renewals: 2, total: 6, supplyDays: 30, substitutable: true }];
const fresh = () => issuedState(terms, T0 + 90 * DAY);
const ctx = (now: number, o: Partial<StepContext> = {}): StepContext => ({ now, earlyDays: 5, minExtension: 600_000, ...o });
const ph = (id: string) => ({ id, kind: 'pharmacy' as const, kid: `k-${id}` });
const doc = { id: 'md', kind: 'prescriber' as const, kid: 'k-md' };
const claimStep = (p: string, ttl = 600, ttlAsked = false, newClaimId = `c-${p}-${ttl}`): Step => ({ type: 'claim', pharmacy: ph(p), ttl, ttlAsked, newClaimId });
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as RuleError).code;
  }
  return 'ok';
};

describe('claims', () => {
  it('opens, keeps, renews past half-time, and takes over a lapsed claim in one step', () => {
    const open = decide(fresh(), claimStep('A'), ctx(T0));
    expect(open.events.map((e) => [e.type, e.claim])).toEqual([['claimed', 'c-A-600']]);
    expect(open.state).toMatchObject({ status: 'claimed', claim: { id: 'c-A-600', pharmacy: 'A', expiresAt: T0 + 600_000, ttl: 600 }, length: 2 });
    expect(decide(open.state, claimStep('A'), ctx(T0 + 200_000)).events).toEqual([]);
    expect(decide(open.state, claimStep('A'), ctx(T0 + 400_000)).state.claim).toMatchObject({ id: 'c-A-600', expiresAt: T0 + 1_000_000 });
    expect(codeOf(() => decide(open.state, claimStep('B'), ctx(T0 + 599_999)))).toBe('claimed_elsewhere');
    const takeover = decide(open.state, claimStep('B'), ctx(T0 + 600_000));
    expect(takeover.events.map((e) => [e.type, e.actor === 'ordo' ? 'ordo' : e.actor.id, e.claim])).toEqual([['claim_expired', 'ordo', 'c-A-600'], ['claimed', 'B', 'c-B-600']]);
    expect(takeover.state).toMatchObject({ claim: { pharmacy: 'B' }, length: 4 });
  });

  it('a longer ttl renews at once only by a meaningful step', () => {
    const open = decide(fresh(), claimStep('A'), ctx(T0)).state;
    expect(decide(open, claimStep('A', 601, true), ctx(T0)).events).toEqual([]);
    expect(decide(open, claimStep('A', 1199, true), ctx(T0)).events).toEqual([]);
    expect(decide(open, claimStep('A', 1200, true), ctx(T0)).events).toHaveLength(1);
    // Not asked for: a default ttl never renews before half-time.
    expect(decide(open, claimStep('A', 259_200, false), ctx(T0)).events).toEqual([]);
  });
});

describe('dispense, release, cancel, rotate, expire', () => {
  const claimed = () => decide(fresh(), claimStep('A'), ctx(T0)).state;
  const dispense = (p: string, claim: string, quantity: number): Step => ({ type: 'dispense', pharmacy: ph(p), claim, lines: [{ item: 0, quantity }] });

  it('a dispense ends the claim; what remains is counted; the last one completes', () => {
    let s = claimed();
    const d = decide(s, dispense('A', 'c-A-600', 2), ctx(T0 + 1000));
    expect(d.state).toMatchObject({ status: 'active', claim: null, progress: [{ dispensed: 2, firstAt: T0 + 1000 }] });
    expect(codeOf(() => decide(d.state, dispense('A', 'c-A-600', 1), ctx(T0 + 2000)))).toBe('claim_ended');
    s = d.state;
    for (const [day, q] of [[26, 2], [56, 2]] as const) {
      s = decide(s, claimStep('A', 600, false, `c${day}`), ctx(T0 + day * DAY)).state;
      s = decide(s, dispense('A', `c${day}`, q), ctx(T0 + day * DAY)).state;
    }
    expect(s).toMatchObject({ status: 'completed', progress: [{ dispensed: 6 }] });
    expect(codeOf(() => decide(s, claimStep('B'), ctx(T0 + 56 * DAY)))).toBe('already_completed');
  });

  it('refuses more than the pace or the total, and another pharmacy on the claim', () => {
    const s = claimed();
    expect(codeOf(() => decide(s, dispense('A', 'c-A-600', 3), ctx(T0)))).toBe('not_yet_due');
    expect(codeOf(() => decide(s, dispense('A', 'c-A-600', 7), ctx(T0)))).toBe('over_dispense');
    expect(codeOf(() => decide(s, dispense('B', 'c-A-600', 1), ctx(T0)))).toBe('forbidden');
  });

  it('release ends the claim; cancel ends it too and is idempotent; rotation keeps the claim', () => {
    const s = claimed();
    expect(decide(s, { type: 'release', pharmacy: ph('A'), claim: 'c-A-600' }, ctx(T0)).state).toMatchObject({ status: 'active', claim: null });
    const rotated = decide(s, { type: 'rotate', prescriber: doc }, ctx(T0));
    expect(rotated.state).toMatchObject({ status: 'claimed', claim: { id: 'c-A-600' }, length: 3 });
    const cancelled = decide(s, { type: 'cancel', prescriber: doc }, ctx(T0));
    expect(cancelled.events).toMatchObject([{ type: 'cancelled', claim: 'c-A-600', proof: 'token' }]);
    expect(cancelled.state).toMatchObject({ status: 'cancelled', claim: null });
    expect(decide(cancelled.state, { type: 'cancel', prescriber: doc }, ctx(T0)).events).toEqual([]);
    for (const step of [claimStep('B'), { type: 'rotate', prescriber: doc } as Step, { type: 'release', pharmacy: ph('A'), claim: 'c-A-600' } as Step]) {
      expect(codeOf(() => decide(cancelled.state, step, ctx(T0)))).toBe('cancelled');
    }
  });

  it("Ordo's own events only at or after their bound", () => {
    const s = claimed();
    expect(decide(s, { type: 'lapse' }, ctx(T0 + 599_999)).events).toEqual([]);
    expect(decide(s, { type: 'lapse' }, ctx(T0 + 600_000)).state).toMatchObject({ status: 'active', claim: null });
    expect(decide(s, { type: 'expire' }, ctx(T0 + 90 * DAY - 1)).events).toEqual([]);
    const expired = decide(s, { type: 'expire' }, ctx(T0 + 90 * DAY));
    expect(expired.events).toMatchObject([{ type: 'expired', actor: 'ordo', claim: 'c-A-600' }]);
    expect(expired.state.status).toBe('expired');
    expect((() => { try { next(s, { type: 'claim_expired', at: T0 + 1, claim: 'c-A-600' }, 5); } catch (e) { return (e as RuleError).rule; } })()).toBe('time');
  });
});

describe('bounds', () => {
  const long = (length: number): RxState => ({ ...fresh(), length });
  it(`refuses pharmacies and rotations beyond ${TRACE_LIMIT} events, never a cancel nor Ordo`, () => {
    expect(decide(long(TRACE_LIMIT - 1), claimStep('A'), ctx(T0, { actorEvents: 0 })).events).toHaveLength(1);
    expect(codeOf(() => decide(long(TRACE_LIMIT), claimStep('A'), ctx(T0, { actorEvents: 0 })))).toBe('trace_full');
    expect(codeOf(() => decide(long(TRACE_LIMIT), { type: 'rotate', prescriber: doc }, ctx(T0)))).toBe('trace_full');
    expect(decide(long(TRACE_LIMIT), { type: 'cancel', prescriber: doc }, ctx(T0)).events).toHaveLength(1);
    expect(decide(long(TRACE_LIMIT), { type: 'expire' }, ctx(T0 + 90 * DAY)).events).toHaveLength(1);
  });
  it(`refuses one pharmacy beyond ${ACTOR_LIMIT} of its own events`, () => {
    expect(decide(long(150), claimStep('A'), ctx(T0, { actorEvents: ACTOR_LIMIT - 1 })).events).toHaveLength(1);
    expect(codeOf(() => decide(long(150), claimStep('A'), ctx(T0, { actorEvents: ACTOR_LIMIT })))).toBe('trace_full');
  });
});

describe('property: any sequence of requests', () => {
  const step = fc.oneof(
    fc.record({ type: fc.constant('claim' as const), p: fc.constantFrom('A', 'B'), ttl: fc.integer({ min: 1, max: 259_200 }), asked: fc.boolean() }),
    fc.record({ type: fc.constant('dispense' as const), p: fc.constantFrom('A', 'B'), q: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ type: fc.constantFrom('release' as const, 'cancel' as const, 'rotate' as const, 'expire' as const, 'lapse' as const), p: fc.constantFrom('A', 'B') }),
  );
  it('keeps quantities within totals, a claim exactly while claimed, a bounded trace, and replays through next', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(step, fc.integer({ min: 0, max: 20 * DAY })), { maxLength: 300 }), (requests) => {
        let s = fresh();
        let now = T0;
        let n = 0;
        for (const [r, dt] of requests) {
          now += dt;
          const st: Step =
            r.type === 'claim' ? claimStep(r.p, r.ttl, r.asked, `c${n++}`)
            : r.type === 'dispense' ? { type: 'dispense', pharmacy: ph(r.p), claim: s.claim?.id ?? 'none', lines: [{ item: 0, quantity: r.q }] }
            : r.type === 'release' ? { type: 'release', pharmacy: ph(r.p), claim: s.claim?.id ?? 'none' }
            : r.type === 'cancel' || r.type === 'rotate' ? { type: r.type, prescriber: doc }
            : { type: r.type };
          try {
            s = decide(s, st, ctx(now, { actorEvents: 0 })).state;
          } catch (err) {
            if (!(err instanceof Error && 'code' in err)) throw err;
          }
          expect(s.progress[0]!.dispensed).toBeLessThanOrEqual(6);
          expect(s.status === 'claimed').toBe(s.claim !== null);
          expect(s.length).toBeLessThanOrEqual(TRACE_LIMIT + 3);
        }
      }),
      { numRuns: 200 },
    );
  });
});
