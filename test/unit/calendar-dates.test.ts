import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, endOfDay, isValidDate, localDate, startOfDay } from '../../src/domain/calendar.js';

const TZ = 'Europe/Paris';

describe('calendar', () => {
  it('local dates and day boundaries in Paris, across both DST changes', () => {
    expect(localDate(Date.UTC(2026, 10, 28, 22, 59), TZ)).toBe('2026-11-28');
    expect(localDate(Date.UTC(2026, 10, 28, 23, 0), TZ)).toBe('2026-11-29');
    expect(startOfDay('2026-11-29', TZ)).toBe(Date.UTC(2026, 10, 28, 23));
    expect(startOfDay('2026-07-14', TZ)).toBe(Date.UTC(2026, 6, 13, 22));
    // 2026-03-29: clocks go forward at 02:00; the day is 23 hours long.
    expect(endOfDay('2026-03-29', TZ) - startOfDay('2026-03-29', TZ)).toBe(23 * 3600_000);
    // 2026-10-25: clocks go back at 03:00; the day is 25 hours long.
    expect(endOfDay('2026-10-25', TZ) - startOfDay('2026-10-25', TZ)).toBe(25 * 3600_000);
    expect(startOfDay('2026-11-29', 'UTC')).toBe(Date.UTC(2026, 10, 29));
    expect(startOfDay('2026-11-29', 'Pacific/Auckland')).toBe(Date.UTC(2026, 10, 28, 11));
  });

  it('adds months clamped to the month end, and days', () => {
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28');
    expect(addMonths('2027-11-30', 3)).toBe('2028-02-29');
    expect(addMonths('2026-11-28', 12)).toBe('2027-11-28');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-11-28', 28)).toBe('2026-12-26');
  });

  it('validates real dates only', () => {
    for (const ok of ['2026-02-28', '2028-02-29', '1948-03-12']) expect(isValidDate(ok)).toBe(true);
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', '26-01-01', '2026-01-01T00:00', '']) expect(isValidDate(bad)).toBe(false);
  });

  it('properties: every instant lies in its local day; addMonths stays a valid date in the right month', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2060, 0, 1) }), fc.constantFrom(TZ, 'UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham'), (ms, tz) => {
        const d = localDate(ms, tz);
        expect(startOfDay(d, tz)).toBeLessThanOrEqual(ms);
        expect(endOfDay(d, tz)).toBeGreaterThan(ms);
      }),
    );
    fc.assert(
      fc.property(fc.date({ min: new Date(Date.UTC(2000, 0, 1)), max: new Date(Date.UTC(2060, 0, 1)), noInvalidDate: true }), fc.integer({ min: 0, max: 24 }), (date, n) => {
        const d = date.toISOString().slice(0, 10);
        const r = addMonths(d, n);
        expect(isValidDate(r)).toBe(true);
        const months = (Number(r.slice(0, 4)) - Number(d.slice(0, 4))) * 12 + Number(r.slice(5, 7)) - Number(d.slice(5, 7));
        expect(months).toBe(n);
      }),
    );
  });
});
