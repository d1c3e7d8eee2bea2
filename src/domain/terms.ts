/**
 * What a prescription document allows, derived the same way when Ordo issues it and when a
 * verifier replays its trace years later: per-item totals and pace, and the validity. No zod, so
 * that the pages verifying a trace in the browser do not carry the document schemas.
 */
import { addDays, addMonths, endOfDay, localDate } from './calendar.js';

/** Longest validity, counted from the legal date: a year, or 28 days for narcotics. */
export const MAX_MONTHS = 12;
export const CONTROLLED_DAYS = 28;
export const DEFAULT_MONTHS = 3;

/** What an item allows: `total` = quantity × (1 + renewals) units in all, `quantity` per delivery. */
export type ItemTerms = { quantity: number; renewals: number; total: number; supplyDays: number | null; substitutable: boolean };

type ItemFields = { quantity: number; renewals?: number; supplyDays?: number; substitutable?: boolean };

/** An item's `renewals` defaults to the document's; `substitutable` to true. */
export function itemTermsOf(doc: { items: ItemFields[]; renewals?: number }): ItemTerms[] {
  return doc.items.map((item) => {
    const renewals = item.renewals ?? doc.renewals ?? 0;
    return { quantity: item.quantity, renewals, total: item.quantity * (1 + renewals), supplyDays: item.supplyDays ?? null, substitutable: item.substitutable ?? true };
  });
}

/** The latest `validUntil` a document may ask for, from its legal date. */
export const latestValidUntil = (legalDate: string, controlled: boolean) => (controlled ? addDays(legalDate, CONTROLLED_DAYS) : addMonths(legalDate, MAX_MONTHS));

/**
 * The validity of a document issued at `legalAt` (epoch ms): its own `validUntil`, or 3 months
 * (28 days if controlled) after the legal date; `expiresAt` is the first instant after it in `tz`.
 */
export function validityOf(doc: { validUntil?: string; controlled?: boolean }, legalAt: number, tz: string): { validUntil: string; expiresAt: number } {
  const legalDate = localDate(legalAt, tz);
  const validUntil = doc.validUntil ?? (doc.controlled ? latestValidUntil(legalDate, true) : addMonths(legalDate, DEFAULT_MONTHS));
  return { validUntil, expiresAt: endOfDay(validUntil, tz) };
}
