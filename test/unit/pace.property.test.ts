/**
 * Per-item accounting and pace: worked examples from the design, and properties over arbitrary
 * sequences of (time, quantity) attempts: nothing is ever dispensed beyond its total or its pace.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedBy, applyDispense, dueAt, isComplete, nextDueAt, remainingOf, type ItemProgress, type ItemTerms } from '../../src/domain/accounting.js';
import { OrdoError } from '../../src/domain/errors.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 28, 10);
const paced: ItemTerms = { quantity: 2, total: 6, supplyDays: 30, substitutable: true };
const free: ItemTerms = { quantity: 1, total: 2, supplyDays: null, substitutable: false };
const none: ItemProgress = { dispensed: 0, firstAt: null };
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof OrdoError ? { code: e.code, ...e.data } : e;
  }
  return null;
};

describe('worked examples', () => {
  it('quantity 2 with 2 renewals: 2 now, 2 more from day 25 (5 days early), 2 more from day 55', () => {
    const p1 = applyDispense([paced], [none], [{ item: 0, quantity: 2 }], T0, 5);
    expect(p1).toEqual([{ dispensed: 2, firstAt: T0 }]);
    expect(codeOf(() => applyDispense([paced], p1, [{ item: 0, quantity: 2 }], T0 + 24 * DAY, 5))).toEqual({ code: 'not_yet_due', item: 0, nextDueAt: new Date(T0 + 25 * DAY).toISOString() });
    const p2 = applyDispense([paced], p1, [{ item: 0, quantity: 2 }], T0 + 25 * DAY, 5);
    expect(p2[0]!.dispensed).toBe(4);
    expect(nextDueAt([paced], p2, T0 + 25 * DAY, 5)).toBe(new Date(T0 + 55 * DAY).toISOString());
    expect(codeOf(() => applyDispense([paced], p2, [{ item: 0, quantity: 3 }], T0 + 90 * DAY, 5))).toMatchObject({ code: 'over_dispense', remaining: 2 });
    const p3 = applyDispense([paced], p2, [{ item: 0, quantity: 2 }], T0 + 55 * DAY, 5);
    expect(isComplete([paced], p3)).toBe(true);
    expect(nextDueAt([paced], p3, T0 + 55 * DAY, 5)).toBeNull();
  });

  it('a first delivery of more than one quantity is not yet due; partial deliveries add up', () => {
    expect(codeOf(() => applyDispense([paced], [none], [{ item: 0, quantity: 3 }], T0, 5))).toEqual({ code: 'not_yet_due', item: 0, nextDueAt: new Date(T0 + 25 * DAY).toISOString() });
    const a = applyDispense([paced], [none], [{ item: 0, quantity: 1 }], T0, 5);
    const b = applyDispense([paced], a, [{ item: 0, quantity: 1 }], T0 + DAY, 5);
    expect(b).toEqual([{ dispensed: 2, firstAt: T0 }]);
  });

  it('unknown item, forbidden substitution, zero lines, items without pace', () => {
    expect(codeOf(() => applyDispense([paced, free], [none, none], [{ item: 2, quantity: 1 }], T0, 5))).toMatchObject({ code: 'unknown_item' });
    expect(codeOf(() => applyDispense([paced, free], [none, none], [{ item: 1, quantity: 1, substitution: { type: 'generic' } }], T0, 5))).toMatchObject({ code: 'substitution_forbidden' });
    expect(applyDispense([paced, free], [none, none], [{ item: 0, quantity: 0 }], T0, 5)).toEqual([none, none]);
    expect(applyDispense([paced, free], [none, none], [{ item: 1, quantity: 2 }], T0, 5)[1]).toEqual({ dispensed: 2, firstAt: T0 });
    expect(remainingOf([paced, free], [none, { dispensed: 2, firstAt: T0 }])).toEqual([
      { item: 0, total: 6, dispensed: 0, remaining: 6 },
      { item: 1, total: 2, dispensed: 2, remaining: 0 },
    ]);
  });
});

const termsArb = fc.record({
  quantity: fc.integer({ min: 1, max: 5 }),
  renewals: fc.integer({ min: 0, max: 11 }),
  supplyDays: fc.option(fc.integer({ min: 1, max: 90 }), { nil: null }),
}).map(({ quantity, renewals, supplyDays }): ItemTerms => ({ quantity, total: quantity * (1 + renewals), supplyDays, substitutable: true }));
const attemptsArb = fc.array(fc.record({ days: fc.double({ min: 0, max: 40, noNaN: true }), quantity: fc.integer({ min: 0, max: 8 }) }), { maxLength: 30 });

describe('properties', () => {
  it('whatever the attempts, nothing exceeds its total or its pace, and inputs are never mutated', () => {
    fc.assert(
      fc.property(termsArb, attemptsArb, fc.integer({ min: 0, max: 10 }), (terms, attempts, early) => {
        let progress: ItemProgress[] = [{ dispensed: 0, firstAt: null }];
        let t = T0;
        for (const a of attempts) {
          t += a.days * DAY;
          const before = structuredClone(progress);
          try {
            const next = applyDispense([terms], progress, [{ item: 0, quantity: a.quantity }], t, early);
            expect(progress).toEqual(before);
            progress = next;
          } catch (e) {
            expect(e).toBeInstanceOf(OrdoError);
            expect(['over_dispense', 'not_yet_due']).toContain((e as OrdoError).code);
          }
          expect(progress[0]!.dispensed).toBeLessThanOrEqual(terms.total);
          expect(progress[0]!.dispensed).toBeLessThanOrEqual(allowedBy(terms, progress[0]!, t, early));
        }
      }),
    );
  });

  it('a line refused as not_yet_due at nextDueAt T is accepted at T', () => {
    fc.assert(
      fc.property(termsArb.filter((t) => t.supplyDays !== null), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 10 }), (terms, daysLater, quantity, early) => {
        const first = applyDispense([terms], [{ dispensed: 0, firstAt: null }], [{ item: 0, quantity: Math.min(1, terms.total) }], T0, early);
        const now = T0 + daysLater * DAY;
        try {
          applyDispense([terms], first, [{ item: 0, quantity }], now, early);
        } catch (e) {
          if ((e as OrdoError).code !== 'not_yet_due') return;
          const due = Date.parse((e as OrdoError).data.nextDueAt!);
          expect(due).toBeGreaterThan(now);
          expect(() => applyDispense([terms], first, [{ item: 0, quantity }], due, early)).not.toThrow();
          expect(() => applyDispense([terms], first, [{ item: 0, quantity }], due - 1, early)).toThrow();
        }
      }),
    );
  });

  it('nextDueAt is null exactly when something left is dispensable now', () => {
    fc.assert(
      fc.property(fc.array(termsArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10 }), (terms, days, early) => {
        const progress = terms.map((t) => ({ dispensed: Math.min(t.quantity, t.total), firstAt: T0 }));
        const now = T0 + days * DAY;
        const dispensableNow = terms.some((t, i) => progress[i]!.dispensed < t.total && allowedBy(t, progress[i]!, now, early) > progress[i]!.dispensed);
        const next = nextDueAt(terms, progress, now, early);
        expect(next === null).toBe(dispensableNow || isComplete(terms, progress));
        if (next) expect(dueAt(terms[0]!, progress[0]!, 0, early, now)).not.toBeNull();
      }),
    );
  });
});
