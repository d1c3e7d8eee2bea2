import { z } from '@hono/zod-openapi';
import { DataMatrixFormat, PrescriptionIdSchema } from '../../openapi.js';

export const IssueBodySchema = z
  .object({
    prescription: z.string().min(1).max(60_000).openapi({ description: 'Compact JWS, typ ordo-rx+jwt, signed by the prescriber' }),
    datamatrix: DataMatrixFormat.optional(),
  })
  .strict()
  .openapi('IssueRequest');

export const DataMatrixOut = z
  .union([z.object({ svg: z.string() }), z.object({ png: z.string().openapi({ description: 'base64' }) })])
  .openapi('DataMatrixImage');

export const StatusSchema = z.enum(['active', 'claimed', 'completed', 'cancelled', 'expired']).openapi('PrescriptionStatus');

export const IssuedSchema = z
  .object({
    id: PrescriptionIdSchema,
    code: z.string().openapi({ description: 'Eight groups of five symbols and a check symbol', example: 'ABCDE-FGHJK-MNPQR-STVWX-YZ012-34567-89ABC-DEFGH-K' }),
    payload: z.string().openapi({ description: 'What the DataMatrix encodes: ORDO1: and 40 symbols' }),
    status: StatusSchema,
    validUntil: z.string().openapi({ example: '2027-02-28' }),
    receipt: z.string().openapi({ description: "Ordo's signed receipt (JWS, typ ordo-receipt+jwt)" }),
    datamatrix: DataMatrixOut.optional(),
  })
  .openapi('Issued');

export const RemainingSchema = z.array(z.object({ item: z.number().int(), total: z.number().int(), dispensed: z.number().int(), remaining: z.number().int() })).openapi('Remaining');

export const IdParams = z.object({ id: PrescriptionIdSchema });
