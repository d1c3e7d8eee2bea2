import { z } from '@hono/zod-openapi';

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

export const TraceEventSchema = z
  .object({
    prescriptionId: z.string(),
    index: z.number().int(),
    seq: z.number().int(),
    type: z.string(),
    at: z.string(),
    actor: z.union([z.literal('ordo'), z.object({ id: z.string(), kind: z.string(), kid: z.string() })]),
    claim: z.string().nullable(),
    proof: z.string().nullable(),
    proofHash: z.string(),
    prevHash: z.string(),
    hash: z.string(),
    receipt: z.string(),
  })
  .openapi('TraceEvent');
