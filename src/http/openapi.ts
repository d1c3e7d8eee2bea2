/** Shared OpenAPI pieces: the router factory with the one zod hook, problem responses, security. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { ProblemSchema } from '../contract/index.js';
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

/** Problem responses for a route, by status. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: 'Problem (RFC 9457)', content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  );
}

export const bearerSecurity = [{ requestToken: [] }];
export const adminSecurity = [{ registrar: [] }];
