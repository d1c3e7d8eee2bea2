/**
 * Calendar dates ('YYYY-MM-DD') in an IANA zone, with Intl only (runs on Node, Workers and
 * browsers). `validUntil` is inclusive: it ends at the first instant of the next day in the zone.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date in strict YYYY-MM-DD form. */
export function isValidDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function parts(ms: number, tz: string) {
  const p: Record<string, number> = {};
  for (const { type, value } of formatter(tz).formatToParts(new Date(ms))) if (type !== 'literal') p[type] = Number(value);
  return p as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const fromUtc = (t: Date) => `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
const toUtc = (date: string) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { y, m, d };
};

/** The calendar date of an instant in tz. */
export function localDate(epochMs: number, tz: string): string {
  const p = parts(epochMs, tz);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** Offset of tz from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(ms: number, tz: string): number {
  const p = parts(ms, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The first instant (epoch ms) of a calendar day in tz, right across DST changes. */
export function startOfDay(date: string, tz: string): number {
  const { y, m, d } = toUtc(date);
  const wall = Date.UTC(y, m - 1, d);
  // Two rounds settle the offset even when midnight sits next to a DST change.
  let guess = wall - offsetAt(wall, tz);
  guess = wall - offsetAt(guess, tz);
  // If local midnight does not exist (a DST jump at 00:00), the day starts at the first instant after it.
  if (localDate(guess, tz) !== date) guess += 3600_000;
  return guess;
}

/** The first instant after the day: where an inclusive `validUntil` ends. */
export const endOfDay = (date: string, tz: string): number => startOfDay(addDays(date, 1), tz);

export function addDays(date: string, n: number): string {
  const { y, m, d } = toUtc(date);
  return fromUtc(new Date(Date.UTC(y, m - 1, d + n)));
}

/** Calendar months, clamped to the last day of the target month (2026-11-30 + 3 = 2027-02-28). */
export function addMonths(date: string, n: number): string {
  const { y, m, d } = toUtc(date);
  const last = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
  return fromUtc(new Date(Date.UTC(y, m - 1 + n, Math.min(d, last))));
}
