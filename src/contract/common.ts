/**
 * Pieces shared by every resource of the HTTP API: the problem document, ids, prescription
 * states, event types, actor kinds, per-item accounting and the DataMatrix image.
 */
import { z } from '@hono/zod-openapi';
import { actorKinds, eventTypes, prescriptionStatuses } from '../domain/events.js';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: 'claimed_elsewhere' }),
  })
  .catchall(z.unknown())
  .openapi('Problem');
/** An RFC 9457 problem document; `code` is stable, extra members (e.g. `claimedUntil`) are the data a client acts on. */
export type V1Problem = z.infer<typeof ProblemSchema>;

export const ActorIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 of A-Z a-z 0-9 . _ -')
  .openapi({ example: '10001234567' });

export const PrescriptionIdSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{16}$/, '16 Crockford base32 symbols')
  .openapi({ example: '7Z3K9Q2M4N6P8R0T' });

/** Why a confidential body carries a salt, in the words of the 400 a body without one gets. */
export const SALT_PURPOSE = '16 or more random bytes, base64url, so that the stored request token (bdh) reveals nothing';

/**
 * The random salt of a confidential body (cancel, release with a reason). The request token that
 * proves the step is stored in clear, and its `bdh` is the SHA-256 of the body: without a salt,
 * anyone with a copy of the database could confirm a guessed reason by hashing it.
 */
export const SaltSchema = z
  .string({ error: (issue) => (issue.input === undefined ? `required: ${SALT_PURPOSE}` : `a string: ${SALT_PURPOSE}`) })
  .regex(/^[A-Za-z0-9_-]{22,86}$/, `22 to 86 characters of A-Z a-z 0-9 _ -: ${SALT_PURPOSE}`)
  .openapi({
    description:
      'Base64url of at least 16 fresh random bytes (22 to 86 characters), new for every request. The request token proving the step is stored in clear, and its `bdh` hashes this body: the salt makes that hash reveal nothing about the reason.',
    example: 'q3Jb0Zf8XcM2u1Lw9pT4sA',
  });

export const DataMatrixFormat = z.enum(['svg', 'png']).openapi({ description: 'Also return the DataMatrix image (SVG text or base64 PNG).' });
export type V1DataMatrixFormat = z.infer<typeof DataMatrixFormat>;

export const DataMatrixImageSchema = z
  .union([z.object({ svg: z.string() }), z.object({ png: z.string().openapi({ description: 'base64' }) })])
  .openapi('DataMatrixImage');
export type V1DataMatrixImage = z.infer<typeof DataMatrixImageSchema>;

export const StatusSchema = z.enum(prescriptionStatuses).openapi('PrescriptionStatus');
export type V1Status = z.infer<typeof StatusSchema>;

export const EventTypeSchema = z.enum(eventTypes);
export type V1EventType = z.infer<typeof EventTypeSchema>;

export const ActorKindSchema = z.enum(actorKinds);
export type V1ActorKind = z.infer<typeof ActorKindSchema>;

export const RemainingSchema = z
  .array(z.object({ item: z.number().int(), total: z.number().int(), dispensed: z.number().int(), remaining: z.number().int() }))
  .openapi('Remaining');
export type V1Remaining = z.infer<typeof RemainingSchema>;
