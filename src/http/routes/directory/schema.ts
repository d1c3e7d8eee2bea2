import { z } from '@hono/zod-openapi';
import type { ActorRow, KeyRow } from '../../../store/types.js';

export const PublicJwkSchema = z
  .object({ kty: z.enum(['OKP', 'EC']), crv: z.enum(['Ed25519', 'P-256']), x: z.string(), y: z.string().optional() })
  .openapi('PublicJwk');

export const DirectoryKeySchema = z.object({
  kid: z.string().openapi({ description: 'RFC 7638 SHA-256 thumbprint' }),
  jwk: PublicJwkSchema,
  status: z.enum(['active', 'revoked']),
  addedAt: z.string(),
  revokedAt: z.string().nullable(),
});

export const DirectoryEntrySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['prescriber', 'pharmacy']),
    name: z.string(),
    profession: z.string().nullable(),
    specialty: z.string().nullable(),
    status: z.enum(['active', 'suspended']),
    keys: z.array(DirectoryKeySchema),
  })
  .openapi('DirectoryEntry');

export type DirectoryEntry = z.infer<typeof DirectoryEntrySchema>;

export function keyView(k: KeyRow) {
  return { kid: k.kid, jwk: JSON.parse(k.jwk), status: k.revokedAt ? ('revoked' as const) : ('active' as const), addedAt: k.addedAt, revokedAt: k.revokedAt };
}

export function directoryView(a: ActorRow, keys: KeyRow[]): DirectoryEntry {
  return { id: a.id, kind: a.kind, name: a.name, profession: a.profession, specialty: a.specialty, status: a.status, keys: keys.map(keyView) };
}
