/** Shared OpenAPI pieces: the router factory with the one zod hook, and common schemas. */
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { OrdoError } from '../domain/errors.js';
import type { AppEnv } from './env.js';

/** Every router is built here so that every body failing its schema gets the same 400. */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const errors = result.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
        throw new OrdoError('bad_request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
      }
    },
  });
}

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

/** Problem responses for a route, by status. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: 'Problem (RFC 9457)', content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  );
}

export const bearerSecurity = [{ requestToken: [] }];
export const adminSecurity = [{ registrar: [] }];

export const ActorIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 of A-Z a-z 0-9 . _ -')
  .openapi({ example: '10001234567' });

export const PrescriptionIdSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{16}$/, '16 Crockford base32 symbols')
  .openapi({ example: '7Z3K9Q2M4N6P8R0T' });

export const DataMatrixFormat = z.enum(['svg', 'png']).openapi({ description: 'Also return the DataMatrix image (SVG text or base64 PNG).' });
