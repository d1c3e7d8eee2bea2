/** Calendar dates in ORDO_TZ: day boundaries across DST, month arithmetic, strict dates. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addMonths, endOfDay, isValidDate, isValidTimeZone, localDate, startOfDay } from '../../src/domain/calendar.js';

const PARIS = 'Europe/Paris';
const HOUR = 3600_000;
const utc = (iso: string) => Date.parse(iso);
const zones = [PARIS, 'UTC', 'America/New_York', 'America/Santiago', 'Asia/Beirut', 'Asia/Kolkata', 'Pacific/Chatham', 'Pacific/Auckland', 'Australia/Lord_Howe'];

describe('localDate', () => {
  it('is the calendar date in the zone, not in UTC', () => {
    expect(localDate(utc('2026-11-28T22:59:59.999Z'), PARIS)).toBe('2026-11-28');
    expect(localDate(utc('2026-11-28T23:00:00Z'), PARIS)).toBe('2026-11-29');
    expect(localDate(utc('2026-07-14T21:59:59Z'), PARIS)).toBe('2026-07-14');
    expect(localDate(utc('2026-07-14T22:00:00Z'), PARIS)).toBe('2026-07-15');
    expect(localDate(utc('2026-11-28T23:00:00Z'), 'UTC')).toBe('2026-11-28');
    expect(localDate(utc('2026-11-28T11:00:00Z'), 'Pacific/Auckland')).toBe('2026-11-29');
  });
});

describe('localDate against Intl (offsets are kept by the quarter of an hour)', () => {
  const intl = (ms: number, tz: string) => {
    const f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    return f.format(new Date(ms));
  };
  it('agrees at random instants of 1900–2100 in zones with odd offsets and changes', () => {
    fc.assert(fc.property(fc.integer({ min: utc('1900-01-01T00:00:00Z'), max: utc('2100-01-01T00:00:00Z') }), fc.constantFrom(...zones, 'Asia/Kathmandu', 'Europe/Dublin'), (ms, tz) => {
      expect(localDate(ms, tz)).toBe(intl(ms, tz));
    }), { numRuns: 3000 });
  });
  it('agrees second by second around changes, on and inside a quarter of an hour', () => {
    // Lord Howe's change to summer time is at 02:00 local (15:30 UTC), Paris's at 01:00 UTC, and
    // Kathmandu's 1986 change of offset (+5:30 → +5:45) at its midnight (18:30 UTC); Paris left
    // its mean time (+0:09:21) at 23:50:39 UTC on 1911-03-10, inside a quarter of an hour.
    for (const [iso, tz] of [['1911-03-10T23:50:39Z', PARIS], ['2026-10-03T15:30:00Z', 'Australia/Lord_Howe'], ['2026-03-29T01:00:00Z', PARIS], ['1985-12-31T18:30:00Z', 'Asia/Kathmandu']] as const) {
      for (let s = -1200; s <= 1200; s += 7) expect(localDate(utc(iso) + s * 1000, tz), `${tz} ${s}`).toBe(intl(utc(iso) + s * 1000, tz));
      for (let h = -48; h <= 48; h++) expect(localDate(utc(iso) + h * HOUR, tz)).toBe(intl(utc(iso) + h * HOUR, tz));
    }
  });
});

describe('startOfDay and endOfDay', () => {
  it('start at local midnight, winter and summer', () => {
    expect(startOfDay('2026-11-29', PARIS)).toBe(utc('2026-11-28T23:00:00Z'));
    expect(startOfDay('2026-07-14', PARIS)).toBe(utc('2026-07-13T22:00:00Z'));
    expect(startOfDay('2026-11-29', 'UTC')).toBe(utc('2026-11-29T00:00:00Z'));
    expect(startOfDay('2026-11-29', 'Asia/Kolkata')).toBe(utc('2026-11-28T18:30:00Z'));
    expect(endOfDay('2026-11-29', PARIS)).toBe(utc('2026-11-29T23:00:00Z'));
  });

  it('Europe/Paris 2026-03-29: clocks go forward at 02:00, a 23-hour day', () => {
    expect(startOfDay('2026-03-29', PARIS)).toBe(utc('2026-03-28T23:00:00Z'));
    expect(endOfDay('2026-03-29', PARIS)).toBe(utc('2026-03-29T22:00:00Z'));
    expect(endOfDay('2026-03-29', PARIS) - startOfDay('2026-03-29', PARIS)).toBe(23 * HOUR);
    expect(endOfDay('2026-03-28', PARIS)).toBe(startOfDay('2026-03-29', PARIS));
  });

  it('Europe/Paris 2026-10-25: clocks go back at 03:00, a 25-hour day', () => {
    expect(startOfDay('2026-10-25', PARIS)).toBe(utc('2026-10-24T22:00:00Z'));
    expect(endOfDay('2026-10-25', PARIS)).toBe(utc('2026-10-25T23:00:00Z'));
    expect(endOfDay('2026-10-25', PARIS) - startOfDay('2026-10-25', PARIS)).toBe(25 * HOUR);
  });

  it('a day whose midnight is skipped starts when the clocks jump (America/Santiago 2026-09-06)', () => {
    expect(startOfDay('2026-09-06', 'America/Santiago')).toBe(utc('2026-09-06T04:00:00Z')); // 01:00 -03
    expect(localDate(utc('2026-09-06T04:00:00Z') - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('refuses a malformed date rather than guessing', () => {
    expect(() => startOfDay('2026-02-30', PARIS)).toThrow(RangeError);
    expect(() => endOfDay('28/11/2026', PARIS)).toThrow(RangeError);
  });

  it('property: every instant lies in its local day, and that day starts exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: utc('1990-01-01T00:00:00Z'), max: utc('2060-01-01T00:00:00Z') }), fc.constantFrom(...zones), (ms, tz) => {
        const day = localDate(ms, tz);
        const start = startOfDay(day, tz);
        expect(start).toBeLessThanOrEqual(ms);
        expect(endOfDay(day, tz)).toBeGreaterThan(ms);
        expect(localDate(start, tz)).toBe(day);
        expect(localDate(start - 1, tz) < day).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('property: days in Paris last 23, 24 or 25 hours, and consecutive days touch', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2060-01-01'), noInvalidDate: true }), (d) => {
        const day = d.toISOString().slice(0, 10);
        const length = endOfDay(day, PARIS) - startOfDay(day, PARIS);
        expect([23 * HOUR, 24 * HOUR, 25 * HOUR]).toContain(length);
        expect(startOfDay(addDays(day, 1), PARIS)).toBe(endOfDay(day, PARIS));
      }),
    );
  });
});

describe('addDays and addMonths', () => {
  it('adds days across months, years and leap days, either way', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-11-28', 28)).toBe('2026-12-26');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-03-28', 1)).toBe('2026-03-29'); // no zone, no DST
  });

  it.each([
    ['2026-11-30', 3, '2027-02-28'],
    ['2027-11-30', 3, '2028-02-29'],
    ['2026-11-28', 3, '2027-02-28'],
    ['2026-11-28', 12, '2027-11-28'],
    ['2028-02-29', 12, '2029-02-28'],
    ['2026-01-31', 1, '2026-02-28'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-08-31', 1, '2026-09-30'],
    ['2026-12-15', 1, '2027-01-15'],
    ['2026-05-31', -3, '2026-02-28'],
    ['2026-01-15', -1, '2025-12-15'],
  ])('%s + %i months = %s (clamped to the month end)', (date, n, expected) => {
    expect(addMonths(date, n)).toBe(expected);
  });

  it('refuses fractional steps', () => {
    expect(() => addDays('2026-01-01', 0.5)).toThrow(RangeError);
    expect(() => addMonths('2026-01-01', 1.5)).toThrow(RangeError);
  });

  it('property: addMonths lands in the right month, never overflows it, keeps the day when it can', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.integer({ min: -36, max: 36 }), (d, n) => {
        const date = d.toISOString().slice(0, 10);
        const r = addMonths(date, n);
        expect(isValidDate(r)).toBe(true);
        const months = (Number(r.slice(0, 4)) - Number(date.slice(0, 4))) * 12 + Number(r.slice(5, 7)) - Number(date.slice(5, 7));
        expect(months).toBe(n);
        const day = Number(date.slice(8)), got = Number(r.slice(8));
        // Either the same day, or clamped to the target month's last day.
        expect(got === day || (got < day && addDays(r, 1).slice(8) === '01')).toBe(true);
      }),
    );
  });

  it('property: addDays agrees with UTC arithmetic and undoes itself', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), fc.integer({ min: -1000, max: 1000 }), (d, n) => {
        const date = d.toISOString().slice(0, 10);
        expect(addDays(date, n)).toBe(new Date(Date.parse(date) + n * 86_400_000).toISOString().slice(0, 10));
        expect(addDays(addDays(date, n), -n)).toBe(date);
      }),
    );
  });
});

describe('isValidDate and isValidTimeZone', () => {
  it('accepts real dates in strict YYYY-MM-DD only', () => {
    for (const ok of ['2026-02-28', '2028-02-29', '2000-02-29', '1948-03-12', '0048-03-12', '9999-12-31']) expect(isValidDate(ok)).toBe(true);
    const bad = ['2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0000-01-01', '2026-1-01', '26-01-01', '+02026-01-01', '2026-01-01T00:00', ' 2026-01-01', '2026/01/01', ''];
    for (const b of bad) expect(isValidDate(b)).toBe(false);
    expect(isValidDate(20260101 as unknown as string)).toBe(false);
  });

  it('property: every ISO date is valid, and a day past its month end is not', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }), (d) => {
        const date = d.toISOString().slice(0, 10);
        expect(isValidDate(date)).toBe(true);
        const t = new Date(0);
        t.setUTCFullYear(d.getUTCFullYear(), d.getUTCMonth() + 1, 0); // the month's last day
        expect(isValidDate(`${date.slice(0, 8)}${t.getUTCDate() + 1}`)).toBe(false);
      }),
    );
  });

  it('knows IANA zones', () => {
    for (const tz of [PARIS, 'UTC', 'America/Santiago', 'Pacific/Chatham']) expect(isValidTimeZone(tz)).toBe(true);
    for (const tz of ['Europe/Lyon', 'Paris', '', 'CET+1']) expect(isValidTimeZone(tz)).toBe(false);
  });
});
