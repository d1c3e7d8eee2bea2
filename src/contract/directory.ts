/** The public directory: an actor's record and keys, revoked ones included. */
import { z } from '@hono/zod-openapi';
import { ActorIdSchema, ActorKindSchema, sample } from './common.js';

export const DirectoryParams = z.object({ actorId: ActorIdSchema });

export const PublicJwkSchema = z
  .union([
    z.object({ kty: z.enum(['OKP', 'EC']), crv: z.enum(['Ed25519', 'P-256']), x: z.string(), y: z.string().optional() }),
    z.object({ kty: z.literal('RSA'), n: z.string(), e: z.string() }).openapi({ description: 'A certified RSA key (PS256 or RS256, as `alg` says)' }),
  ])
  .openapi('PublicJwk', { example: sample.prescriberJwk });
export type V1PublicJwk = z.infer<typeof PublicJwkSchema>;

const key = { kid: sample.prescriberKid, jwk: sample.prescriberJwk, alg: 'EdDSA', status: 'active', addedAt: sample.at, revokedAt: null } as const;

export const DirectoryKeySchema = z
  .object({
    kid: z.string().openapi({ description: 'RFC 7638 SHA-256 thumbprint' }),
    jwk: PublicJwkSchema,
    alg: z.enum(['EdDSA', 'ES256', 'PS256', 'RS256']).openapi({ description: 'What the key signs with: the only `alg` accepted in its JWS headers' }),
    status: z.enum(['active', 'revoked']),
    addedAt: z.string(),
    revokedAt: z.string().nullable(),
    x5c: z.array(z.string()).optional().openapi({ description: 'A certified key only: its chain as enrolled, base64 DER, the leaf first' }),
    validFrom: z.string().optional().openapi({ description: 'A certified key only: when its chain becomes valid (the latest notBefore of the path)' }),
    validUntil: z.string().optional().openapi({ description: 'A certified key only: when its chain ends (the earliest notAfter of the path); nothing it signs after counts' }),
    cas: z.array(z.string()).optional().openapi({ description: 'A certified key only: the CAs whose revocation lists speak for it (GET /v1/directory/crls/{ca})' }),
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

/** A CA's id: base64url of the SHA-256 of its certificate's DER (what a certified key's `cas` lists). */
export const CrlParams = z.object({
  ca: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a CA id: 43 characters of base64url').openapi({ param: { name: 'ca', in: 'path' }, example: 'q8Ulm4sBk1rUVMk8ACX0v4Jw3xYf9lHnOrf6MZbJm0k' }),
});
export const CrlSchema = z.string().openapi({ format: 'binary', description: 'The DER of the revocation list (RFC 5280)' });
