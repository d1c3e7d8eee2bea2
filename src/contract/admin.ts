/** The registrar's routes: add actors and keys, revoke keys, suspend and reinstate. */
import { z } from '@hono/zod-openapi';
import { ActorIdSchema, ActorKindSchema, sample } from './common.js';

const label = (max: number) => z.string().trim().min(1).max(max);

export const ActorParams = z.object({ id: ActorIdSchema });
export const KeyParams = z.object({ id: ActorIdSchema, kid: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a kid is a 43-character thumbprint') });

/** POST /v1/admin/actors (answers a DirectoryEntry) */
export const NewActorSchema = z
  .object({
    id: ActorIdSchema,
    kind: ActorKindSchema,
    name: label(200),
    profession: label(100).optional(),
    specialty: label(100).optional(),
    keys: z.array(z.record(z.string(), z.unknown())).min(1).max(10).openapi({ description: 'Public JWKs (Ed25519 or P-256)' }),
  })
  .strict()
  .openapi('NewActor', {
    example: { id: sample.prescriberId, kind: 'prescriber', name: 'Dr Claire Roussel', profession: 'médecin', specialty: 'médecine générale', keys: [sample.prescriberJwk] },
  });
export type V1NewActor = z.input<typeof NewActorSchema>;

/** POST /v1/admin/actors/{id}/keys */
export const NewKeySchema = z
  .object({ jwk: z.record(z.string(), z.unknown()) })
  .strict()
  .openapi('NewKey', { example: { jwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' } } });
export type V1NewKey = z.input<typeof NewKeySchema>;

export const AddedKeySchema = z.object({ kid: z.string() }).openapi('AddedKey', { example: { kid: 'oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U' } });
export type V1AddedKey = z.infer<typeof AddedKeySchema>;
