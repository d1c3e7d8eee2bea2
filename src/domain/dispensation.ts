/**
 * The dispensing record (design: "The dispensing record"): its schema and its time window.
 * Rules that need the prescription (items, totals, pace, substitution) are in accounting.ts.
 */
import { z } from 'zod';
import { invalidDocument } from './errors.js';
import { issuesOf, medicineCodeSchema } from './medicine-code.js';

const text = (max: number) => z.string().trim().min(1).max(max);

const lineSchema = z
  .object({
    item: z.number().int().min(0).max(49),
    quantity: z.number().int().min(0).max(1000),
    dispensed: medicineCodeSchema.nullable().optional(),
    substitution: z.object({ type: z.enum(['generic', 'biosimilar', 'other']), reason: text(200).optional() }).strict().nullable().default(null),
    lot: text(64).nullable().optional(),
    expiry: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM').nullable().optional(),
    reason: z.enum(['out_of_stock', 'patient_refused', 'already_supplied', 'intervention']).nullable().default(null),
    note: z.string().max(1000).nullable().optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.quantity === 0 && !l.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'a line with quantity 0 needs a reason' });
  });

export const dispensationPayloadSchema = z
  .object({
    iss: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'an actor id'),
    aud: z.string().min(1).max(200),
    jti: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    iat: z.number().int().nonnegative(),
    prescription: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{16}$/, 'a prescription id'),
    claim: z.string().min(1).max(64),
    dispensedAt: z.iso.datetime({ offset: true }).optional(),
    dispensedBy: z.object({ id: text(64).optional(), name: text(200).optional() }).strict().optional(),
    identityCheck: z.string().regex(/^[a-z_]{1,32}$/, 'a short token such as vitale, id_document, known, none').optional(),
    lines: z.array(lineSchema).min(1).max(50),
  })
  .passthrough()
  .superRefine((d, ctx) => {
    const seen = new Set<number>();
    d.lines.forEach((l, i) => {
      if (seen.has(l.item)) ctx.addIssue({ code: 'custom', path: ['lines', i, 'item'], message: `item ${l.item} appears twice` });
      seen.add(l.item);
    });
  });

export type DispensationPayload = z.infer<typeof dispensationPayloadSchema>;

export function parseDispensation(payload: unknown): DispensationPayload {
  const r = dispensationPayloadSchema.safeParse(payload);
  if (!r.success) {
    const errors = issuesOf(r.error);
    throw invalidDocument(`The dispensing record is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  return r.data;
}

const HOUR = 3600_000;

/** `dispensedAt` may be up to 72 hours back (recorded after an outage), never in the future (beyond 60 s). */
export function checkDispensedAtWindow(dispensedAtMs: number, nowMs: number): void {
  if (Number.isNaN(dispensedAtMs)) throw invalidDocument('dispensedAt: not a date-time.');
  if (dispensedAtMs > nowMs + 60_000) throw invalidDocument('dispensedAt is in the future: check the clock of the pharmacy software.');
  if (dispensedAtMs < nowMs - 72 * HOUR) throw invalidDocument('dispensedAt is more than 72 hours back: it can no longer be recorded.');
}
