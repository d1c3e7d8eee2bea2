/** The pharmacy's routes: claim by code, dispense under the claim, release it. */
import { z } from '@hono/zod-openapi';
import { PrescriptionIdSchema, RemainingSchema, SALT_PURPOSE, SaltSchema, sample, StatusSchema } from './common.js';
import { CodeInput, PrescriptionOpenedSchema } from './holder.js';

export const ClaimIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'a claim id').openapi({ example: sample.claimId });
export const ClaimParams = z.object({ claimId: ClaimIdSchema });

/** POST /v1/claims */
export const ClaimRequestSchema = z
  .object({
    code: CodeInput,
    ttl: z.number().int().positive().optional().openapi({ description: 'Seconds the claim lasts (default ORDO_CLAIM_TTL, at most ORDO_CLAIM_MAX_TTL, e.g. for goods on order)' }),
  })
  .strict()
  .openapi('ClaimRequest', { example: { code: sample.code } });
export type V1ClaimRequest = z.input<typeof ClaimRequestSchema>;

export const ClaimedSchema = z
  .object({
    claim: z.object({ id: z.string(), expiresAt: z.string() }),
    prescription: PrescriptionOpenedSchema.omit({ issuedAt: true, validUntil: true }).extend({
      issuedAt: z.string(),
      validUntil: z.string(),
      remaining: RemainingSchema,
      nextDueAt: z.string().nullable(),
      status: StatusSchema,
      issuedEvent: z
        .object({ hash: z.string(), leafIndex: z.number().int().optional() })
        .openapi({ description: 'The `issued` event that recorded `document`: its hash, and its leaf in the transparency log once integrated (prove it with GET /log/proof/inclusion)' }),
    }),
    receipt: z.string(),
  })
  .openapi('Claimed', {
    example: {
      claim: { id: sample.claimId, expiresAt: '2026-11-28T10:10:00.000Z' },
      prescription: {
        id: sample.prescriptionId, document: sample.document, content: sample.content,
        prescriber: { id: sample.prescriberId, name: 'Dr Claire Roussel', profession: 'médecin', specialty: null },
        issuedAt: sample.at, validUntil: sample.validUntil, remaining: [{ item: 0, total: 6, dispensed: 0, remaining: 6 }], nextDueAt: null, status: 'claimed',
        issuedEvent: { hash: sample.hashes[0], leafIndex: 0 },
      },
      receipt: sample.receipts[1],
    },
  });
export type V1Claimed = z.infer<typeof ClaimedSchema>;

/** POST /v1/claims/{claimId}/dispense */
export const DispenseRequestSchema = z
  .object({ dispensation: z.string().min(1).max(60_000).openapi({ description: 'Compact JWS, typ ordo-dispense+jwt, signed by the pharmacy' }) })
  .strict()
  .openapi('DispenseRequest', { example: { dispensation: sample.dispensation } });
export type V1DispenseRequest = z.input<typeof DispenseRequestSchema>;

export const DispensedSchema = z
  .object({ status: StatusSchema, remaining: RemainingSchema, nextDueAt: z.string().nullable(), receipt: z.string() })
  .openapi('Dispensed', { example: { status: 'active', remaining: [{ item: 0, total: 6, dispensed: 1, remaining: 5 }], nextDueAt: null, receipt: sample.receipts[2] } });
export type V1Dispensed = z.infer<typeof DispensedSchema>;

/**
 * POST /v1/claims/{claimId}/release. The reason is not stored, but the request token proving the
 * release is, with the body's hash (`bdh`): a reason comes with a salt so that the hash reveals it not.
 */
export const ReleaseRequestSchema = z
  .object({
    reason: z.string().max(500).optional().openapi({ description: "For the pharmacy's own records; not stored by Ordo. Requires `salt`." }),
    salt: SaltSchema.optional().openapi({
      description: 'Required with a `reason`, allowed without one: base64url of at least 16 fresh random bytes (22 to 86 characters), so that the stored request token’s `bdh`, which hashes this body, reveals nothing about the reason.',
    }),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.reason !== undefined && body.salt === undefined) ctx.addIssue({ code: 'custom', path: ['salt'], message: `required with a reason: ${SALT_PURPOSE}` });
  })
  .openapi('ReleaseRequest', { example: { reason: 'Rupture de stock', salt: 'Xn2k7PqR0sT4uV6wY8zA1b' } });
export type V1ReleaseRequest = z.input<typeof ReleaseRequestSchema>;

/** The answer of release and of cancel. */
export const StatusReceiptSchema = z.object({ status: StatusSchema, receipt: z.string() }).openapi('StatusReceipt', { example: { status: 'active', receipt: sample.receipts[2] } });
export type V1StatusReceipt = z.infer<typeof StatusReceiptSchema>;

/**
 * The sample story's dispensing record (event 2) corrected: lot A124, not A123. Its signature is
 * a placeholder (64 zero bytes): the story's private keys are not published.
 */
const sampleCorrection =
  'eyJhbGciOiJFZERTQSIsImtpZCI6InZYWnRyYTNjSUc5M0l5X1Y5YlJCMXUxbzc3eEFRNnZFeTF6NERLUzJadHciLCJ0eXAiOiJvcmRvLWRpc3BlbnNlK2p3dCJ9.eyJpc3MiOiI3NTAwMTIzNDU2NyIsImF1ZCI6Imh0dHBzOi8vb3Jkby5leGFtcGxlIiwianRpIjoiZC0wMDAyIiwiaWF0IjoxNzk1ODYwMTgwLCJwcmVzY3JpcHRpb24iOiJXNjVRVEdRWVBGMTdSTUhSIiwiY2xhaW0iOiJYU1FyaFBIOFNUUVVmWGNELTNUQmdnIiwiY29ycmVjdHMiOjIsImRpc3BlbnNlZEJ5Ijp7ImlkIjoiMTAwMDc2NTQzMjEiLCJuYW1lIjoiUGF1bCBIYW1vbiJ9LCJpZGVudGl0eUNoZWNrIjoidml0YWxlIiwibGluZXMiOlt7Iml0ZW0iOjAsInF1YW50aXR5IjoxLCJzdWJzdGl0dXRpb24iOm51bGwsInJlYXNvbiI6bnVsbCwibG90IjoiQTEyNCJ9XX0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** POST /v1/claims/{claimId}/correct: a whole new dispensing record, naming in `corrects` the event whose record it replaces. */
export const CorrectRequestSchema = z
  .object({
    dispensation: z.string().min(1).max(60_000).openapi({
      description: 'Compact JWS, typ ordo-dispense+jwt, signed by the pharmacy that dispensed: a whole dispensing record (every line, not a difference) with `corrects`, the index of the event whose record it replaces (the claim’s `dispensed` event, or its latest correction)',
    }),
  })
  .strict()
  .openapi('CorrectRequest', { example: { dispensation: sampleCorrection } });
export type V1CorrectRequest = z.input<typeof CorrectRequestSchema>;

/** GET /v1/claims: the caller pharmacy's held prescriptions (its open claims), soonest expiry first. */
export const HeldQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ description: 'At most this many (1–100, default 50).', example: 50 }),
    cursor: z.string().max(200).optional().openapi({ description: '`nextCursor` of the previous page' }),
  })
  .strict();
export type V1HeldQuery = Partial<z.input<typeof HeldQuerySchema>>;

export const HeldClaimSchema = z.object({
  claim: z.object({ id: z.string(), expiresAt: z.string() }),
  prescriptionId: PrescriptionIdSchema,
  claimedAt: z.string().openapi({ description: 'When the claim opened: the `at` of its first `claimed` event' }),
  validUntil: z.string(),
  lapsed: z.boolean().openapi({ description: 'The claim’s `expiresAt` is past: still yours until another pharmacy claims it or the sweep ends it (extend, dispense or release it now)' }),
});
export type V1HeldClaim = z.infer<typeof HeldClaimSchema>;

export const HeldClaimsSchema = z
  .object({ items: z.array(HeldClaimSchema), nextCursor: z.string().nullable() })
  .openapi('HeldClaims', {
    example: {
      items: [{ claim: { id: sample.claimId, expiresAt: '2026-11-28T10:10:00.000Z' }, prescriptionId: sample.prescriptionId, claimedAt: sample.at, validUntil: sample.validUntil, lapsed: false }],
      nextCursor: null,
    },
  });
export type V1HeldClaims = z.infer<typeof HeldClaimsSchema>;

/** POST /v1/claims/{claimId}/extend: hold the claim `ttl` seconds from now (renewal rules of claiming again with a longer `ttl`). */
export const ExtendRequestSchema = z
  .object({ ttl: z.number().int().positive().openapi({ description: 'Seconds the claim lasts from now (at most ORDO_CLAIM_MAX_TTL, e.g. 259200 for goods on order)' }) })
  .strict()
  .openapi('ExtendRequest', { example: { ttl: 600 } });
export type V1ExtendRequest = z.input<typeof ExtendRequestSchema>;

export const ExtendedSchema = z
  .object({ claim: z.object({ id: z.string(), expiresAt: z.string() }), status: StatusSchema, receipt: z.string().openapi({ description: 'The receipt of the claim’s latest `claimed` event' }) })
  .openapi('Extended', { example: { claim: { id: sample.claimId, expiresAt: '2026-11-28T10:10:00.000Z' }, status: 'claimed', receipt: sample.receipts[1] } });
export type V1Extended = z.infer<typeof ExtendedSchema>;
