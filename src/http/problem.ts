/**
 * RFC 9457 problem responses: the one mapping from domain error codes to HTTP statuses.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { OrdoError, type ProblemCode } from '../domain/errors.js';

const status: Record<ProblemCode, ContentfulStatusCode> = {
  bad_request: 400,
  bad_check: 400,
  unauthenticated: 401,
  token_expired: 401,
  clock_skew: 401,
  replayed_token: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  claimed_elsewhere: 409,
  claim_ended: 409,
  already_completed: 410,
  cancelled: 410,
  expired: 410,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_document: 422,
  bad_signature: 422,
  unknown_item: 422,
  over_dispense: 422,
  not_yet_due: 422,
  substitution_forbidden: 422,
  too_many_attempts: 429,
};

const titles: Record<ProblemCode, string> = {
  bad_request: 'Malformed request',
  bad_check: 'Mistyped code',
  unauthenticated: 'Not authenticated',
  token_expired: 'Request token expired',
  clock_skew: 'Clock out of sync',
  replayed_token: 'Request token already used',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  conflict: 'Conflict',
  claimed_elsewhere: 'Claimed by another pharmacy',
  claim_ended: 'Claim ended',
  already_completed: 'Already fully dispensed',
  cancelled: 'Cancelled by the prescriber',
  expired: 'Prescription expired',
  gone: 'Gone',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Body must be JSON',
  invalid_document: 'Invalid document',
  bad_signature: 'Bad signature',
  unknown_item: 'Unknown item',
  over_dispense: 'More than remains',
  not_yet_due: 'Not yet due',
  substitution_forbidden: 'Substitution forbidden',
  too_many_attempts: 'Too many attempts',
};

export const statusOf = (code: ProblemCode) => status[code];
export const titleOf = (code: ProblemCode) => titles[code];
export const problemTable = () => Object.entries(status).map(([code, s]) => ({ code, status: s, title: titles[code as ProblemCode] }));

export function problemResponse(c: Context, err: OrdoError): Response {
  const s = status[err.code];
  c.set('problem', err.code);
  const body = {
    type: `urn:ordo:problem:${err.code}`,
    title: titles[err.code],
    status: s,
    detail: err.detail,
    code: err.code,
    ...err.data,
  };
  if (err.code === 'too_many_attempts' && typeof err.data.retryAfter === 'number') c.header('Retry-After', String(err.data.retryAfter));
  if (s === 401) c.header('WWW-Authenticate', 'Bearer');
  return c.body(JSON.stringify(body), s, { 'Content-Type': 'application/problem+json' });
}
