/**
 * Calendar dates ('YYYY-MM-DD') in an IANA zone, with `Intl.DateTimeFormat` only, so the same code
 * runs on Node, Workers and in browsers. `validUntil` is inclusive: it ends at the first instant of
 * the next day in the zone (`endOfDay`).
 *
 * Date arithmetic (`addDays`, `addMonths`) is zone-free: a calendar date is a label, not an instant.
 * Only `localDate`, `startOfDay` and `endOfDay` consult the zone.
 */

// Building a DateTimeFormat costs far more than using one; the zones in use are few (ORDO_TZ).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, era: 'short', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True when `tz` is an IANA zone name this runtime knows (e.g. `Europe/Paris`, `UTC`). */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== 'string' || tz === '') return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY = 86_400_000;

/** Epoch ms of 00:00 UTC on a proleptic Gregorian date; years 0–99 stay what they are. */
function utcMidnight(y: number, m: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d); // Date.UTC would read 48 as 1948
  return t.getTime();
}

function ymd(date: string): { y: number; m: number; d: number } {
  const match = DATE.exec(date);
  if (!match || !isValidDate(date)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${date}`);
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The 'YYYY-MM-DD' label of a UTC-midnight instant; RangeError outside years 0001–9999. */
function label(utcMs: number): string {
  const t = new Date(utcMs);
  const y = t.getUTCFullYear();
  if (!(y >= 1 && y <= 9999)) throw new RangeError('date out of range (years 0001–9999)');
  return `${pad(y, 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** A real calendar date in strict 'YYYY-MM-DD' form, years 0001–9999 (no time, no offset). */
export function isValidDate(s: string): boolean {
  if (typeof s !== 'string') return false;
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const t = new Date(utcMidnight(y, mo, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

type WallClock = { year: number; month: number; day: number; hour: number; minute: number; second: number };

/** The zone's wall clock at an instant, read from Intl (costs about 40 µs: see `offsetAt`). */
function intlWallClock(ms: number, tz: string): WallClock {
  const p: Record<string, string> = {};
  for (const { type, value } of formatter(tz).formatToParts(new Date(ms))) p[type] = value;
  const year = p.era === 'BC' || p.era === 'B' ? 1 - Number(p.year) : Number(p.year);
  return { year, month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), second: Number(p.second) };
}

function intlOffset(ms: number, tz: string): number {
  const w = intlWallClock(ms, tz);
  const wall = utcMidnight(w.year, w.month, w.day) + ((w.hour * 60 + w.minute) * 60 + w.second) * 1000;
  return wall - Math.floor(ms / 1000) * 1000;
}

// Offsets by zone and quarter of an hour. A block is kept only when the offset is the same at
// its first and its last second: no zone changes its offset twice within 15 minutes, so the
// offset is then the same throughout it; a block holding a change is asked of Intl each time.
const BLOCK = 15 * 60_000;
const offsets = new Map<string, number>();

/** Offset of tz from UTC at an instant, in ms (positive east of Greenwich), to the second. */
function offsetAt(ms: number, tz: string): number {
  const block = Math.floor(ms / BLOCK);
  const key = `${block} ${tz}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  const first = intlOffset(block * BLOCK, tz);
  if (first !== intlOffset(block * BLOCK + BLOCK - 1000, tz)) return intlOffset(ms, tz);
  if (offsets.size >= 4096) offsets.clear();
  offsets.set(key, first);
  return first;
}

function wallClock(ms: number, tz: string): WallClock {
  const t = new Date(Math.floor(ms / 1000) * 1000 + offsetAt(ms, tz));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), hour: t.getUTCHours(), minute: t.getUTCMinutes(), second: t.getUTCSeconds() };
}

/** The calendar date ('YYYY-MM-DD') of an instant (epoch ms) in tz. */
export function localDate(epochMs: number, tz: string): string {
  const w = wallClock(epochMs, tz);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/**
 * Epoch ms of the first instant of a calendar day in tz. Right across DST changes: a 23-hour day
 * (Europe/Paris 2026-03-29) and a 25-hour one (2026-10-25) both start at their local 00:00, and a
 * day whose midnight is skipped (America/Santiago 2026-09-06) starts when the clocks jump.
 * Throws RangeError on a malformed date.
 */
export function startOfDay(date: string, tz: string): number {
  const { y, m, d } = ymd(date);
  const wall = utcMidnight(y, m, d);
  // Local midnight under the offset in force around it; two rounds settle a change near midnight.
  let t = wall - offsetAt(wall, tz);
  t = wall - offsetAt(t, tz);
  if (localDate(t, tz) === date && localDate(t - 1, tz) < date) return t;
  // Midnight does not exist here (a jump over it): find the first instant of the day by bisection
  // over a window wider than any UTC offset (−12 h … +14 h). Rare, so its ~40 look-ups are fine.
  let lo = wall - 15 * 3600_000; // still the day before, everywhere
  let hi = wall + 15 * 3600_000 + DAY; // already this day (or later), everywhere
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, tz) >= date) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Epoch ms of the first instant after the day in tz: where an inclusive `validUntil` ends. */
export const endOfDay = (date: string, tz: string): number => startOfDay(addDays(date, 1), tz);

/** The date n days later (n < 0: earlier). Whole days; no zone involved. */
export function addDays(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError('addDays: n must be a whole number');
  const { y, m, d } = ymd(date);
  return label(utcMidnight(y, m, d) + n * DAY);
}

/**
 * The date n calendar months later, clamped to the last day of the target month
 * (2026-11-30 + 3 months = 2027-02-28; 2027-11-30 + 3 = 2028-02-29). Never overflows into the
 * following month.
 */
export function addMonths(date: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError('addMonths: n must be a whole number');
  const { y, m, d } = ymd(date);
  const index = y * 12 + (m - 1) + n;
  const ty = Math.floor(index / 12);
  const tm = index - ty * 12 + 1;
  const last = new Date(utcMidnight(ty, tm + 1, 0)).getUTCDate(); // day 0 of the next month
  return label(utcMidnight(ty, tm, Math.min(d, last)));
}
