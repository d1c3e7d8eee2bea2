/** The transparency log's routes (docs/design.md § Transparency log). Hashes in standard base64, as in the C2SP formats. */
import { z } from '@hono/zod-openapi';
import { sample } from './common.js';

const count = (description: string) => z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ description });
const hashes = z.array(z.string()).openapi({ description: 'The proof: SHA-256 hashes, standard base64, in RFC 9162 order' });

/** GET /log/proof/inclusion */
export const InclusionQuery = z.object({ index: count('The leaf index (an event\'s `leafIndex`, its seq − 1)'), size: count('The tree size to prove against (default: the latest checkpoint)').optional() }).strict();
export const InclusionSchema = z.object({ index: z.number().int(), size: z.number().int(), proof: hashes }).openapi('InclusionProof', { example: { index: 1, size: 3, proof: sample.inclusion } });
export type V1Inclusion = z.infer<typeof InclusionSchema>;

/** GET /log/proof/consistency */
export const ConsistencyQuery = z.object({ from: count('The older tree size'), size: count('The newer tree size (default: the latest checkpoint)').optional() }).strict();
export const ConsistencySchema = z.object({ from: z.number().int(), size: z.number().int(), proof: hashes }).openapi('ConsistencyProof', { example: { from: 1, size: 3, proof: sample.consistency } });
export type V1Consistency = z.infer<typeof ConsistencySchema>;

/** GET /log/checkpoints/{size} */
export const CheckpointParams = z.object({ size: count('A tree size Ordo signed a checkpoint of') });
export const CheckpointRecordSchema = z
  .object({
    size: z.number().int(),
    checkpoint: z.string().openapi({ description: "The C2SP signed note: the checkpoint, Ordo's signature line, then the witnesses' cosignature lines" }),
    signedAt: z.string().openapi({ description: 'When Ordo signed it (RFC 3339)' }),
    timestamp: z.string().optional().openapi({ description: 'RFC 3161 TimeStampToken (DER, standard base64) over the checkpoint text (the note up to its blank line), when a TSA is configured' }),
    tsaCertificates: z.array(z.string()).optional().openapi({ description: 'With a timestamp: the PEM certificates of ORDO_LOG_TSA_CERT it was checked against (also at /log/tsa.pem)' }),
  })
  .openapi('CheckpointRecord', { example: { size: 3, checkpoint: sample.checkpoint, signedAt: '2026-11-28T10:01:00.000Z' } });
export type V1CheckpointRecord = z.infer<typeof CheckpointRecordSchema>;
