/**
 * The dispensing record (design: "The dispensing record"): its schema and its time window.
 * Rules that need the prescription (unknown item, remaining, pace, forbidden substitution) are in
 * accounting.ts.
 *
 * Strictness as for the prescription: unknown members are refused in lines, codes, `dispensedBy`
 * and `substitution`, and let through at the top level (kept in the sealed record, never acted on).
 */
import { z } from 'zod';
import { isValidDate } from './calendar.js';
import { invalidDocument } from './errors.js';
import { actorId, documentJti, epochSeconds, medicineCodeSchema, parseDocument, prescriptionId, summary, text, type DocumentError } from './medicine-code.js';

import { dispensingReasons } from './formats.js';

export { dispensingReasons };

// RFC 3339 with seconds and an explicit zone (Z or ±hh:mm), upper-case T and Z.
const RFC3339 = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** Epoch ms of an RFC 3339 date-time as `dispensedAt` accepts it, or NaN. */
export function parseDateTime(s: string): number {
  const m = RFC3339.exec(s);
  if (!m || !isValidDate(m[1]!)) return Number.NaN;
  return Date.parse(s);
}

const dateTime = z.string().max(40).refine((s) => Number.isFinite(parseDateTime(s)), 'must be an RFC 3339 date-time with seconds and a zone, e.g. 2026-11-28T10:05:00Z or 2026-11-28T11:05:00+01:00');

const lineSchema = z
  .strictObject({
    // No upper bound here: an index beyond the prescription's items is `unknown_item`, judged later.
    item: z.number().int().min(0),
    quantity: z.number().int().min(0).max(1000),
    dispensed: medicineCodeSchema.nullable().optional(),
    // Absent means null (nothing substituted, nothing missing): the common case need not be spelt out.
    substitution: z.strictObject({ type: z.enum(['generic', 'biosimilar', 'other']), reason: text(200).optional() }).nullable().default(null),
    lot: text(64).nullable().optional(),
    expiry: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM').nullable().optional(),
    reason: z.enum(dispensingReasons).nullable().default(null),
    note: text(1000).nullable().optional(),
  })
  .superRefine((line, ctx) => {
    if (line.quantity === 0 && line.reason === null) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: `required when quantity is 0: one of ${dispensingReasons.join(', ')}` });
    }
  });

const recordFields = {
  iss: actorId,
  aud: z.string().min(1).max(200),
  jti: documentJti,
  iat: epochSeconds,
  prescription: prescriptionId,
  claim: z.string().regex(/^[\x21-\x7e]{1,64}$/, 'a claim id: 1–64 printable ASCII characters'),
  dispensedAt: dateTime.optional(),
  dispensedBy: z
    .strictObject({ id: actorId.optional(), name: text(100).optional() })
    .refine((by) => by.id !== undefined || by.name !== undefined, 'needs an id or a name')
    .optional(),
  identityCheck: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a short token, e.g. vitale, id_document, known or none').optional(),
  lines: z.array(lineSchema).min(1).max(50),
};

function onePerItem(record: { lines: { item: number }[] }, ctx: z.RefinementCtx) {
  const first = new Map<number, number>();
  record.lines.forEach((line, i) => {
    const earlier = first.get(line.item);
    if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['lines', i, 'item'], message: `item ${line.item} is already on line ${earlier}: one line per item` });
    else first.set(line.item, i);
  });
}

/**
 * A dispensing record as Ordo reads one it accepted, a dispense's or a correction's (whose
 * `corrects` passes as an unknown member): what a reader of the trace takes its lines from.
 */
export const dispensingRecordSchema = z.looseObject(recordFields).superRefine(onePerItem);

/** A dispense's record: it corrects nothing. */
export const dispensationPayloadSchema = dispensingRecordSchema.superRefine((record, ctx) => {
  if ('corrects' in record) ctx.addIssue({ code: 'custom', path: ['corrects'], message: 'only a correction names the record it corrects (POST /v1/claims/{claimId}/correct)' });
});

/**
 * A correction's record (design § Correcting a dispensing record): a whole dispensing record that
 * names in `corrects` the index of the event whose record it replaces.
 */
export const correctionPayloadSchema = z
  .looseObject({ ...recordFields, corrects: z.number().int().min(1) })
  .superRefine(onePerItem);

export type DispensationPayload = z.output<typeof dispensationPayloadSchema>;
export type CorrectionPayload = z.output<typeof correctionPayloadSchema>;
export type DispensingLine = DispensationPayload['lines'][number];

const refuse = (what: string, errors: DocumentError[]) => invalidDocument(`${what}: ${summary(errors)}`, { errors });

/** Parses a dispensing record's payload. Throws `invalid_document` listing every problem with its path. */
export function parseDispensation(payload: unknown): DispensationPayload {
  return parseDocument(dispensationPayloadSchema, payload, (errors) => refuse('The dispensing record is not valid', errors));
}

/** Parses a correction's dispensing record, as `parseDispensation`; `corrects` is required. */
export function parseCorrection(payload: unknown): CorrectionPayload {
  return parseDocument(correctionPayloadSchema, payload, (errors) => refuse('The correction is not valid', errors));
}

const SKEW_MS = 60_000;
const BACKDATE_MS = 72 * 3600_000;

/**
 * `dispensedAt` (epoch ms, e.g. `parseDateTime(record.dispensedAt)`) may be up to 72 hours
 * before the dispense was recorded, `recordedAtMs` (now for a dispense; for a correction, the
 * `at` of the dispense it corrects: the goods were handed over then), and never after `nowMs`
 * beyond a 60 s skew. Throws 422 `invalid_document` at path `dispensedAt`.
 */
export function checkDispensedAtWindow(dispensedAtMs: number, nowMs: number, recordedAtMs = nowMs): void {
  const fail = (message: string) => refuse('The dispensing record cannot be recorded now', [{ path: 'dispensedAt', message }]);
  if (!Number.isFinite(dispensedAtMs)) throw fail('must be an RFC 3339 date-time');
  if (dispensedAtMs > nowMs + SKEW_MS) throw fail("is in the future: check the pharmacy software's clock");
  if (dispensedAtMs < recordedAtMs - BACKDATE_MS) {
    throw fail(recordedAtMs === nowMs ? 'is more than 72 hours ago: too late to record this dispensing' : 'is more than 72 hours before the dispense it corrects was recorded');
  }
}
