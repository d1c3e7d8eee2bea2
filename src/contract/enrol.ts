/** Enrolment by certificate, and the registrar's revocation lists (docs/design.md § Certified practitioners). */
import { z } from '@hono/zod-openapi';
import { ActorKindSchema } from './common.js';

/** Standard base64 (with padding) of one DER certificate, at most 16 KiB of DER. */
const Base64Der = z.string().min(4).max(21_848).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'standard base64 of a DER certificate');

export const EnrolSchema = z
  .object({
    kind: ActorKindSchema,
    x5c: z.array(Base64Der).min(1).max(4).openapi({ description: 'The certificate chain, leaf first (RFC 7515 x5c: standard base64 of each DER); the CAs after the leaf may be left out, Ordo has them' }),
  })
  .strict()
  // The certificate below is cut short: a real one is about 1.5 KB of base64.
  .openapi('Enrol', { example: { kind: 'prescriber', x5c: ['MIIFazCCA1OgAwIBAgIQAbCdEf0123456789abcdefMA0GCSqGSIb3DQEBCwUA'] } });
export type V1Enrol = z.infer<typeof EnrolSchema>;

export const CrlLoadedSchema = z
  .object({
    ca: z.string().openapi({ description: "The CA's id: base64url of the SHA-256 of its certificate" }),
    issuer: z.string(),
    thisUpdate: z.string(),
    nextUpdate: z.string().nullable(),
    kept: z.boolean().openapi({ description: 'false: a list at least as recent was kept already; its revocations were still applied' }),
    revokedKeys: z.array(z.object({ actorId: z.string(), kid: z.string(), revokedAt: z.string() })),
  })
  .openapi('CrlLoaded', {
    example: {
      ca: 'q8Ulm4sBk1rUVMk8ACX0v4Jw3xYf9lHnOrf6MZbJm0k',
      issuer: 'CN=AC IGC-Santé Personnes, O=ASIP-SANTE, C=FR',
      thisUpdate: '2026-12-01T06:00:00.000Z',
      nextUpdate: '2026-12-02T06:00:00.000Z',
      kept: true,
      revokedKeys: [{ actorId: '10101010101', kid: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', revokedAt: '2026-11-30T17:12:00.000Z' }],
    },
  });
export type V1CrlLoaded = z.infer<typeof CrlLoadedSchema>;
