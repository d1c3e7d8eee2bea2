/** The prescriber's routes: issue, list, view, reprint or rotate the code, cancel. */
import { z } from '@hono/zod-openapi';
import { ActorKindSchema, DataMatrixFormat, DataMatrixImageSchema, EventTypeSchema, PrescriptionIdSchema, RemainingSchema, SaltSchema, sample, StatusSchema } from './common.js';

export const IdParams = z.object({ id: PrescriptionIdSchema });

/** POST /v1/prescriptions */
export const IssueRequestSchema = z
  .object({
    prescription: z.string().min(1).max(60_000).openapi({ description: 'Compact JWS, typ ordo-rx+jwt, signed by the prescriber' }),
    datamatrix: DataMatrixFormat.optional(),
  })
  .strict()
  .openapi('IssueRequest', { example: { prescription: sample.document } });
export type V1IssueRequest = z.input<typeof IssueRequestSchema>;

export const IssuedSchema = z
  .object({
    id: PrescriptionIdSchema,
    code: z.string().openapi({ description: 'Eight groups of five symbols and a check symbol', example: sample.code }),
    payload: z.string().openapi({ description: 'What the DataMatrix encodes: ORDO1: and 40 symbols', example: sample.payload }),
    status: StatusSchema,
    validUntil: z.string().openapi({ example: '2027-02-28' }),
    receipt: z.string().openapi({ description: "Ordo's signed receipt (JWS, typ ordo-receipt+jwt)" }),
    datamatrix: DataMatrixImageSchema.optional(),
  })
  .openapi('Issued', {
    example: { id: sample.prescriptionId, code: sample.code, payload: sample.payload, status: 'active', validUntil: sample.validUntil, receipt: sample.receipts[0] },
  });
export type V1Issued = z.infer<typeof IssuedSchema>;

/** GET /v1/prescriptions */
export const ListQuerySchema = z.object({
  state: StatusSchema.optional(),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
/** What a client may put in the query (every member optional; `limit` defaults to 20). */
export type V1ListQuery = Partial<z.output<typeof ListQuerySchema>>;

export const PrescriptionSummarySchema = z.object({
  id: z.string(),
  status: StatusSchema,
  issuedAt: z.string(),
  validUntil: z.string(),
  items: z.number().int(),
  updatedAt: z.string(),
});
export type V1PrescriptionSummary = z.infer<typeof PrescriptionSummarySchema>;

export const PrescriptionPageSchema = z
  .object({
    items: z.array(PrescriptionSummarySchema),
    nextCursor: z.string().nullable(),
  })
  .openapi('PrescriptionPage', {
    example: { items: [{ id: sample.prescriptionId, status: 'active', issuedAt: sample.at, validUntil: sample.validUntil, items: 1, updatedAt: '2026-11-28T10:01:00.000Z' }], nextCursor: null },
  });
export type V1PrescriptionPage = z.infer<typeof PrescriptionPageSchema>;

/** GET /v1/prescriptions/{id}: an event as the prescriber sees it (no proof; pharmacies by kind only). */
export const PrescriberEventSchema = z.object({
  index: z.number().int(),
  type: EventTypeSchema,
  at: z.string(),
  actor: z.union([z.literal('ordo'), z.object({ kind: ActorKindSchema, id: z.string().optional(), kid: z.string().optional() })]),
  claim: z.string().nullable(),
  hash: z.string(),
  prevHash: z.string(),
});
export type V1PrescriberEvent = z.infer<typeof PrescriberEventSchema>;

export const PrescriberViewSchema = z
  .object({
    id: z.string(),
    status: StatusSchema,
    issuedAt: z.string(),
    validUntil: z.string(),
    remaining: RemainingSchema,
    nextDueAt: z.string().nullable(),
    claimedUntil: z.string().nullable(),
    events: z.array(PrescriberEventSchema),
  })
  .openapi('PrescriberView', {
    example: {
      id: sample.prescriptionId, status: 'active', issuedAt: sample.at, validUntil: sample.validUntil,
      remaining: [{ item: 0, total: 6, dispensed: 1, remaining: 5 }], nextDueAt: null, claimedUntil: null,
      events: [
        { index: 0, type: 'issued', at: sample.at, actor: { id: sample.prescriberId, kind: 'prescriber', kid: sample.prescriberKid }, claim: null, hash: sample.hashes[0], prevHash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
        { index: 1, type: 'claimed', at: sample.at, actor: { kind: 'pharmacy' }, claim: sample.claimId, hash: sample.hashes[1], prevHash: sample.hashes[0] },
        { index: 2, type: 'dispensed', at: '2026-11-28T10:01:00.000Z', actor: { kind: 'pharmacy' }, claim: sample.claimId, hash: sample.hashes[2], prevHash: sample.hashes[1] },
      ],
    },
  });
export type V1PrescriberView = z.infer<typeof PrescriberViewSchema>;

/** POST /v1/prescriptions/{id}/code */
export const CodeRequestSchema = z
  .object({
    rotate: z.boolean().optional().openapi({ description: 'Issue a new code; the old one answers 404 from now on (lost or photographed prescription).' }),
    datamatrix: DataMatrixFormat.optional(),
  })
  .strict()
  .openapi('CodeRequest', { example: { rotate: true } });
export type V1CodeRequest = z.input<typeof CodeRequestSchema>;

export const CodeSchema = z
  .object({ code: z.string(), payload: z.string(), receipt: z.string().optional(), datamatrix: DataMatrixImageSchema.optional() })
  .openapi('Code', { example: { code: sample.code, payload: sample.payload } });
/** The current code; `receipt` only when the call rotated it. */
export type V1Code = z.infer<typeof CodeSchema>;

/**
 * POST /v1/prescriptions/{id}/cancel (answers a StatusReceipt, see claims.ts). The body, exactly
 * as signed, is stored sealed: the code holder reads the reason from it and checks it against the
 * request token's `bdh`; the salt keeps that `bdh`, stored in clear, from confirming a guess.
 */
export const CancelRequestSchema = z
  .object({
    reason: z.string().trim().min(1).max(500).openapi({ description: 'Why (1 to 500 characters): stored sealed, shown to pharmacists and to the code holder' }),
    salt: SaltSchema,
  })
  .strict()
  .openapi('CancelRequest', { example: { reason: 'Erreur de posologie', salt: 'q3Jb0Zf8XcM2u1Lw9pT4sA' } });
export type V1CancelRequest = z.input<typeof CancelRequestSchema>;
