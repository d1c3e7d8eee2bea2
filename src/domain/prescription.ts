/**
 * The prescription document: its schema and its rules (design: "The prescription document").
 * Unknown members are refused inside `patient`, `items` and codes (a medical document should not
 * carry what nobody reads), and allowed at the top level so a later version can add members.
 */
import { z } from 'zod';
import { addDays, addMonths, endOfDay, isValidDate, localDate } from './calendar.js';
import { invalidDocument } from './errors.js';
import { issuesOf, medicineCodeSchema } from './medicine-code.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const date = z.string().refine(isValidDate, 'a real date, YYYY-MM-DD');
const ACTOR_ID = /^[A-Za-z0-9._-]{1,64}$/;
const PRESCRIPTION_ID = /^[0-9A-HJKMNP-TV-Z]{16}$/;

const itemSchema = z
  .object({
    code: medicineCodeSchema,
    label: text(200),
    activeIngredient: text(200).optional(),
    dosage: text(500),
    quantity: z.number().int().positive().max(1000),
    unit: text(50),
    supplyDays: z.number().int().min(1).max(366).optional(),
    renewals: z.number().int().min(0).max(11).optional(),
    substitutable: z.boolean().default(true),
    substitutionReason: z.enum(['MTE', 'EFG', 'CIF']).optional(),
    notes: text(1000).optional(),
  })
  .strict()
  .superRefine((item, ctx) => {
    if (!item.substitutable && !item.substitutionReason) {
      ctx.addIssue({ code: 'custom', path: ['substitutionReason'], message: 'a non-substitutable item needs substitutionReason (MTE, EFG or CIF)' });
    }
    if (item.code.system === 'text' && item.code.value !== item.label) {
      ctx.addIssue({ code: 'custom', path: ['code', 'value'], message: 'for system text, value is the label' });
    }
  });

export const prescriptionPayloadSchema = z
  .object({
    iss: z.string().regex(ACTOR_ID, 'an actor id'),
    aud: z.string().min(1).max(200),
    jti: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    iat: z.number().int().nonnegative(),
    prescriber: z
      .object({
        name: text(200).optional(),
        profession: text(100).optional(),
        specialty: text(100).optional(),
        structure: z.object({ id: text(64).optional(), name: text(200).optional(), address: text(500).optional(), phone: text(50).optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    patient: z
      .object({
        family: text(100),
        given: z.array(text(100)).min(1).max(10),
        birthDate: date,
        sex: z.enum(['female', 'male', 'other', 'unknown']).optional(),
        // INS (NIR): 15 digits. Its key is not checked: the design's own example does not carry a valid one.
        ins: z.object({ value: z.string().regex(/^\d{15}$/, '15 digits'), oid: text(64), qualified: z.boolean() }).strict().optional(),
        weightKg: z.number().positive().max(500).optional(),
      })
      .strict(),
    items: z.array(itemSchema).min(1).max(50),
    renewals: z.number().int().min(0).max(11).default(0),
    validUntil: date.optional(),
    controlled: z.boolean().default(false),
    replaces: z.string().regex(PRESCRIPTION_ID, 'a prescription id').nullable().optional(),
    externalIds: z.array(z.object({ system: text(100), value: text(200) }).strict()).max(10).optional(),
    notes: z.string().max(2000).optional(),
  })
  .passthrough();

export type PrescriptionPayload = z.infer<typeof prescriptionPayloadSchema>;
export type ItemTerms = { quantity: number; renewals: number; total: number; supplyDays: number | null; substitutable: boolean };
export type ValidPrescription = { payload: PrescriptionPayload; validUntil: string; expiresAt: number; items: ItemTerms[] };

const SECOND = 1000;

/** `iat` may not be ahead of the legal time by more than the skew, nor older than 24 hours. */
export function checkIssuedAtWindow(iat: unknown, legalAt: number, skewSeconds: number): void {
  if (typeof iat !== 'number' || !Number.isInteger(iat)) throw invalidDocument('iat must be whole seconds since the epoch.');
  if (iat * SECOND > legalAt + skewSeconds * SECOND) throw invalidDocument('iat is in the future: check the clock of the prescribing software.');
  if (iat * SECOND < legalAt - 24 * 3600 * SECOND) throw invalidDocument('iat is more than 24 hours old: sign the prescription again.');
}

/** Parses the payload and applies the rules at the legal time (the `issued` event's instant). */
export function validatePrescription(payload: unknown, ctx: { legalAt: number; tz: string; skewSeconds: number }): ValidPrescription {
  const r = prescriptionPayloadSchema.safeParse(payload);
  if (!r.success) {
    const errors = issuesOf(r.error);
    throw invalidDocument(`The prescription is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
  }
  const p = r.data;
  const legalDate = localDate(ctx.legalAt, ctx.tz);
  if (p.patient.birthDate > legalDate) throw invalidDocument('patient.birthDate is in the future.', { errors: [{ path: 'patient.birthDate', message: 'in the future' }] });
  const fail = (path: string, message: string) => invalidDocument(`${path}: ${message}`, { errors: [{ path, message }] });

  if (p.controlled) {
    if (p.renewals > 0) throw fail('renewals', 'a controlled prescription cannot be renewed');
    p.items.forEach((item, i) => {
      if ((item.renewals ?? 0) > 0) throw fail(`items.${i}.renewals`, 'a controlled prescription cannot be renewed');
      if (item.supplyDays === undefined || item.supplyDays > 28) throw fail(`items.${i}.supplyDays`, 'required on a controlled prescription, at most 28');
    });
  }
  const latest = p.controlled ? addDays(legalDate, 28) : addMonths(legalDate, 12);
  const validUntil = p.validUntil ?? (p.controlled ? addDays(legalDate, 28) : addMonths(legalDate, 3));
  if (validUntil < legalDate) throw fail('validUntil', `in the past (the legal date is ${legalDate})`);
  if (validUntil > latest) throw fail('validUntil', `at most ${latest} (${p.controlled ? '28 days' : 'one year'} after the legal date)`);

  const items = p.items.map((item) => {
    const renewals = item.renewals ?? p.renewals;
    return { quantity: item.quantity, renewals, total: item.quantity * (1 + renewals), supplyDays: item.supplyDays ?? null, substitutable: item.substitutable };
  });
  return { payload: p, validUntil, expiresAt: endOfDay(validUntil, ctx.tz), items };
}
