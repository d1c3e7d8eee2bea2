/**
 * The prescription document: its schema and its rules (design: "The prescription document").
 *
 * Strictness: unknown members are refused in `patient`, `prescriber`, `items`, codes and
 * `externalIds` (a medical document should not carry what nobody reads, and a misspelt
 * `substituable` must not silently mean "substitutable"). The top level lets unknown members
 * through, so JWT claims such as `exp` and later versions' members do not break issuing; they are
 * kept in the sealed document, shown as signed, and never acted on.
 */
import { z } from 'zod';
import { endOfDay, isValidDate, localDate } from './calendar.js';
import { invalidDocument } from './errors.js';
import { CONTROLLED_DAYS, itemTermsOf, latestValidUntil, validityOf, type ItemTerms } from './terms.js';

export type { ItemTerms };
import { actorId, documentJti, epochSeconds, medicineCodeSchema, parseDocument, prescriptionId, summary, text, type DocumentError } from './medicine-code.js';

const date = z.string().refine(isValidDate, 'must be a real calendar date, YYYY-MM-DD');
const renewalCount = z.number().int().min(0).max(11);


// An OID in dotted form (the INS's is 1.2.250.1.213.1.4.8, or .10 for test identities).
const oid = z.string().max(64).regex(/^[0-2](\.(0|[1-9][0-9]*))+$/, 'an OID in dotted form, e.g. 1.2.250.1.213.1.4.8');

const patientSchema = z.strictObject({
  family: text(100),
  given: z.array(text(100)).min(1).max(10),
  birthDate: date,
  sex: z.enum(['female', 'male', 'other', 'unknown']).optional(),
  // The INS (NIR or NIA): 15 digits. Its key (`nirKeyValid`) is deliberately not enforced: the
  // design's own example, which clients are written against, carries a NIR whose key is wrong.
  ins: z.strictObject({ value: z.string().regex(/^\d{15}$/, 'an INS: 15 digits'), oid, qualified: z.boolean() }).optional(),
  weightKg: z.number().positive().max(500).optional(),
});

const prescriberSchema = z.strictObject({
  name: text(100).optional(),
  profession: text(100).optional(),
  specialty: text(100).optional(),
  structure: z.strictObject({ id: text(64).optional(), name: text(200).optional(), address: text(500).optional(), phone: text(50).optional() }).optional(),
});

const itemSchema = z
  .strictObject({
    code: medicineCodeSchema,
    label: text(200),
    activeIngredient: text(200).optional(),
    dosage: text(500),
    quantity: z.number().int().positive().max(1000),
    unit: text(50),
    supplyDays: z.number().int().min(1).max(366).optional(),
    renewals: renewalCount.optional(),
    substitutable: z.boolean().default(true),
    substitutionReason: z.enum(['MTE', 'EFG', 'CIF']).optional(),
    notes: text(1000).optional(),
  })
  .superRefine((item, ctx) => {
    if (!item.substitutable && !item.substitutionReason) {
      ctx.addIssue({ code: 'custom', path: ['substitutionReason'], message: 'required when substitutable is false: MTE, EFG or CIF' });
    }
    // A reason without `substitutable: false` is most likely a forgotten flag: refuse rather than
    // let a pharmacist substitute what the prescriber meant to protect.
    if (item.substitutable && item.substitutionReason) {
      ctx.addIssue({ code: 'custom', path: ['substitutable'], message: 'must be false when a substitutionReason is given' });
    }
    if (item.code.system === 'text' && item.code.value !== item.label) {
      ctx.addIssue({ code: 'custom', path: ['code', 'value'], message: 'for system "text", value must equal the label' });
    }
  });

export const prescriptionPayloadSchema = z.looseObject({
  iss: actorId,
  aud: z.string().min(1).max(200),
  jti: documentJti,
  iat: epochSeconds,
  prescriber: prescriberSchema.optional(),
  patient: patientSchema,
  items: z.array(itemSchema).min(1).max(50),
  renewals: renewalCount.default(0),
  validUntil: date.optional(),
  controlled: z.boolean().default(false),
  replaces: prescriptionId.nullable().optional(),
  // Identifiers in other systems (e.g. the prescriber software's own number): `{ system, value }`
  // rather than bare strings, so that a reader knows what each one is.
  externalIds: z.array(z.strictObject({ system: text(100), value: text(200) })).max(10).optional(),
  notes: text(2000).optional(),
});

export type PrescriptionPayload = z.output<typeof prescriptionPayloadSchema>;


export type ValidPrescription = {
  payload: PrescriptionPayload;
  /** Inclusive, a calendar date in the zone. */
  validUntil: string;
  /** Epoch ms of the first instant after `validUntil` in the zone. */
  expiresAt: number;
  items: ItemTerms[];
};

const refuse = (what: string, errors: DocumentError[]) => invalidDocument(`${what}: ${summary(errors)}`, { errors });

/**
 * `iat` (seconds) may be at most `skewSeconds` after `legalAt` (ms) and at most 24 hours before it.
 * Separate from `validatePrescription` so that a retry can be recognised first. Throws 422.
 */
export function checkIssuedAtWindow(iat: unknown, legalAt: number, skewSeconds: number): void {
  const fail = (message: string) => refuse('The prescription cannot be issued now', [{ path: 'iat', message }]);
  if (typeof iat !== 'number' || !Number.isSafeInteger(iat)) throw fail('must be whole seconds since the epoch');
  if (iat * 1000 > legalAt + skewSeconds * 1000) throw fail(`is ${iat * 1000 - legalAt} ms ahead of the server's clock (beyond the ${skewSeconds} s allowed): check the prescribing software's clock`);
  if (iat * 1000 < legalAt - 24 * 3600_000) throw fail('is more than 24 hours old: sign the prescription again');
}

/**
 * Parses a prescription payload and applies the rules at the legal time `legalAt` (epoch ms of the
 * `issued` event), dates being calendar dates in `tz`. Does not check `iat` (see
 * `checkIssuedAtWindow`). Throws `invalid_document` listing every problem with its path.
 */
export function validatePrescription(payload: unknown, ctx: { legalAt: number; tz: string; skewSeconds: number }): ValidPrescription {
  const p = parseDocument(prescriptionPayloadSchema, payload, (errors) => refuse('The prescription is not valid', errors));
  const legalDate = localDate(ctx.legalAt, ctx.tz);
  const errors: DocumentError[] = [];

  if (p.patient.birthDate > legalDate) errors.push({ path: 'patient.birthDate', message: `is in the future (today is ${legalDate})` });

  if (p.controlled) {
    const noRenewal = 'must be 0 (or absent): a controlled prescription cannot be renewed';
    if (p.renewals > 0) errors.push({ path: 'renewals', message: noRenewal });
    p.items.forEach((item, i) => {
      if ((item.renewals ?? 0) > 0) errors.push({ path: `items.${i}.renewals`, message: noRenewal });
      if (item.supplyDays === undefined) errors.push({ path: `items.${i}.supplyDays`, message: `required on a controlled prescription (at most ${CONTROLLED_DAYS})` });
      else if (item.supplyDays > CONTROLLED_DAYS) errors.push({ path: `items.${i}.supplyDays`, message: `at most ${CONTROLLED_DAYS} on a controlled prescription` });
    });
  }

  const latest = latestValidUntil(legalDate, p.controlled);
  const { validUntil } = validityOf(p, ctx.legalAt, ctx.tz);
  if (validUntil < legalDate) errors.push({ path: 'validUntil', message: `is in the past (the legal date is ${legalDate})` });
  else if (validUntil > latest) {
    const limit = p.controlled ? `${CONTROLLED_DAYS} days for a controlled prescription` : 'one year';
    errors.push({ path: 'validUntil', message: `at most ${latest} (${limit} after the legal date ${legalDate})` });
  }

  if (errors.length > 0) throw refuse('The prescription breaks the rules', errors);

  const items = itemTermsOf(p);
  return { payload: p, validUntil, expiresAt: endOfDay(validUntil, ctx.tz), items };
}
