/** The pharmacy's routes: claim by code, dispense under the claim, release it. */
import { z } from '@hono/zod-openapi';
import { RemainingSchema, SALT_PURPOSE, SaltSchema, sample, StatusSchema } from './common.js';
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
