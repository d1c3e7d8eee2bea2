/** The public directory: an actor's record and keys, revoked ones included. */
import { z } from '@hono/zod-openapi';
import { ActorIdSchema, ActorKindSchema, sample } from './common.js';

export const DirectoryParams = z.object({ actorId: ActorIdSchema });

export const PublicJwkSchema = z
  .object({ kty: z.enum(['OKP', 'EC']), crv: z.enum(['Ed25519', 'P-256']), x: z.string(), y: z.string().optional() })
  .openapi('PublicJwk', { example: sample.prescriberJwk });
export type V1PublicJwk = z.infer<typeof PublicJwkSchema>;

const key = { kid: sample.prescriberKid, jwk: sample.prescriberJwk, status: 'active', addedAt: sample.at, revokedAt: null } as const;

export const DirectoryKeySchema = z
  .object({
    kid: z.string().openapi({ description: 'RFC 7638 SHA-256 thumbprint' }),
    jwk: PublicJwkSchema,
    status: z.enum(['active', 'revoked']),
    addedAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('DirectoryKey', { example: { ...key, status: 'revoked', revokedAt: '2026-12-01T08:30:00.000Z' } });
export type V1DirectoryKey = z.infer<typeof DirectoryKeySchema>;

export const DirectoryEntrySchema = z
  .object({
    id: z.string(),
    kind: ActorKindSchema,
    name: z.string(),
    profession: z.string().nullable(),
    specialty: z.string().nullable(),
    status: z.enum(['active', 'suspended']),
    keys: z.array(DirectoryKeySchema),
  })
  .openapi('DirectoryEntry', {
    example: { id: sample.prescriberId, kind: 'prescriber', name: 'Dr Claire Roussel', profession: 'médecin', specialty: 'médecine générale', status: 'active', keys: [key] },
  });
export type V1DirectoryEntry = z.infer<typeof DirectoryEntrySchema>;
