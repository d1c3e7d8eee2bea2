/** Liveness and Ordo's published receipt keys. */
import { z } from '@hono/zod-openapi';
import { sample } from './common.js';

/** GET /healthz: up when the database answers (200), unavailable when it does not (503). */
export const HealthSchema = z.object({ status: z.enum(['ok', 'unavailable']), database: z.enum(['ok', 'unreachable']) }).openapi('Health', { example: { status: 'ok', database: 'ok' } });
export type V1Health = z.infer<typeof HealthSchema>;

/** GET /.well-known/jwks.json: the current receipt key and the retired ones. */
export const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('Jwks', { example: { keys: [sample.receiptJwk] } });
export type V1Jwks = z.infer<typeof JwksSchema>;
