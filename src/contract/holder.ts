/** The code holder's routes (no account: the code is the credential): lookup and DataMatrix. */
import { z } from '@hono/zod-openapi';
import { ActorKindSchema, EventTypeSchema, RemainingSchema, sample, StatusSchema } from './common.js';

export const CodeInput = z.string().min(1).max(200).openapi({ description: 'The code as typed (groups and check symbol) or the scanned payload (ORDO1:…)' });

export const PrescriptionOpenedSchema = z
  .object({
    id: z.string(),
    document: z.string().openapi({ description: "The prescriber's signed document (JWS)" }),
    content: z.record(z.string(), z.unknown()).openapi({ description: 'Its decoded payload' }),
    prescriber: z.object({ id: z.string(), name: z.string().nullable(), profession: z.string().nullable(), specialty: z.string().nullable() }),
    issuedAt: z.string(),
    validUntil: z.string(),
  })
  .openapi('PrescriptionOpened');
export type V1PrescriptionOpened = z.infer<typeof PrescriptionOpenedSchema>;

export const TraceEventSchema = z
  .object({
    prescriptionId: z.string(),
    index: z.number().int(),
    seq: z.number().int(),
    leafIndex: z.number().int().optional().openapi({ description: 'Its leaf in the transparency log (`seq` − 1), once integrated: prove it with GET /log/proof/inclusion' }),
    type: EventTypeSchema,
    at: z.string(),
    actor: z.union([z.literal('ordo'), z.object({ id: z.string(), kind: ActorKindSchema, kid: z.string() })]),
    claim: z.string().nullable(),
    proof: z.string().nullable(),
    proofHash: z.string(),
    prevHash: z.string(),
    hash: z.string(),
    receipt: z.string(),
    body: z.string().optional().openapi({
      description:
        'On a `cancelled` event: the request body exactly as the prescriber signed it (`{ reason, salt }`), opened from its sealed copy. Its SHA-256 (base64url) is the request token’s `bdh`, so the verifier checks that the reason shown is the one signed. Absent on other events, and on cancels recorded before bodies were kept.',
    }),
    unreadable: z.literal(true).optional().openapi({ description: 'Present when the sealed proof does not open (damaged storage): `proof` is then null, and verification fails at this event.' }),
  })
  .openapi('TraceEvent');
export type V1TraceEvent = z.infer<typeof TraceEventSchema>;

/** POST /v1/lookup */
export const LookupRequestSchema = z.object({ code: CodeInput }).strict().openapi('LookupRequest', { example: { code: sample.code } });
export type V1LookupRequest = z.input<typeof LookupRequestSchema>;

export const LookupSchema = z
  .object({
    prescription: PrescriptionOpenedSchema.extend({
      document: z.string().nullable().openapi({ description: "The prescriber's signed document (JWS); null when its sealed copy does not open (see the first event's `unreadable`)" }),
      content: z.record(z.string(), z.unknown()).nullable(),
    }),
    status: StatusSchema,
    remaining: RemainingSchema,
    nextDueAt: z.string().nullable(),
    cancelReason: z.string().nullable().openapi({ description: 'The prescriber’s reason, when cancelled (from the cancelled event’s `body` when it has one); null otherwise or when its sealed copy does not open' }),
    events: z.array(TraceEventSchema),
  })
  .openapi('Lookup', {
    example: {
      prescription: {
        id: sample.prescriptionId, document: sample.document, content: sample.content,
        prescriber: { id: sample.prescriberId, name: 'Dr Claire Roussel', profession: 'médecin', specialty: null }, issuedAt: sample.at, validUntil: sample.validUntil,
      },
      status: 'active', remaining: [{ item: 0, total: 6, dispensed: 1, remaining: 5 }], nextDueAt: null, cancelReason: null,
      events: [
        {
          prescriptionId: sample.prescriptionId, index: 0, seq: 1, leafIndex: 0, type: 'issued', at: sample.at,
          actor: { id: sample.prescriberId, kind: 'prescriber', kid: sample.prescriberKid }, claim: null,
          proof: sample.document, proofHash: sample.proofHashes[0], prevHash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', hash: sample.hashes[0], receipt: sample.receipts[0],
        },
        {
          prescriptionId: sample.prescriptionId, index: 1, seq: 2, leafIndex: 1, type: 'claimed', at: sample.at,
          actor: { id: sample.pharmacyId, kind: 'pharmacy', kid: sample.pharmacyKid }, claim: sample.claimId,
          proof: sample.claimToken, proofHash: sample.proofHashes[1], prevHash: sample.hashes[0], hash: sample.hashes[1], receipt: sample.receipts[1],
        },
        {
          prescriptionId: sample.prescriptionId, index: 2, seq: 3, leafIndex: 2, type: 'dispensed', at: '2026-11-28T10:01:00.000Z',
          actor: { id: sample.pharmacyId, kind: 'pharmacy', kid: sample.pharmacyKid }, claim: sample.claimId,
          proof: sample.dispensation, proofHash: sample.proofHashes[2], prevHash: sample.hashes[1], hash: sample.hashes[2], receipt: sample.receipts[2],
        },
      ],
    },
  });
export type V1Lookup = z.infer<typeof LookupSchema>;

/** POST /v1/datamatrix: the image itself, SVG text or PNG bytes. */
export const DataMatrixRequestSchema = z.object({ code: CodeInput, format: z.enum(['svg', 'png']) }).strict().openapi('DataMatrixRequest', { example: { code: sample.code, format: 'svg' } });
export type V1DataMatrixRequest = z.input<typeof DataMatrixRequestSchema>;
export const DataMatrixSvgSchema = z.string();
export const DataMatrixPngSchema = z.string().openapi({ format: 'binary' });
