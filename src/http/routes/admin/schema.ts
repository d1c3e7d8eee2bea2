import { z } from '@hono/zod-openapi';
import { ActorIdSchema } from '../../openapi.js';

const label = (max: number) => z.string().trim().min(1).max(max);

export const NewActorSchema = z
  .object({
    id: ActorIdSchema,
    kind: z.enum(['prescriber', 'pharmacy']),
    name: label(200),
    profession: label(100).optional(),
    specialty: label(100).optional(),
    keys: z.array(z.record(z.string(), z.unknown())).min(1).max(10).openapi({ description: 'Public JWKs (Ed25519 or P-256)' }),
  })
  .strict()
  .openapi('NewActor');

export const NewKeySchema = z.object({ jwk: z.record(z.string(), z.unknown()) }).strict().openapi('NewKey');

export const ActorParams = z.object({ id: ActorIdSchema });
export const KeyParams = z.object({ id: ActorIdSchema, kid: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a kid is a 43-character thumbprint') });
