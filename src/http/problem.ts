/**
 * RFC 9457 problem responses: the one mapping from domain error codes to HTTP statuses, and
 * the one builder of the problem document, used by the routes, the app's 404 and 500, and the
 * Worker's 503 before any app exists.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { OrdoError, type ProblemCode, type ProblemData } from '../domain/errors.js';

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
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_document: 422,
  bad_signature: 422,
  unknown_item: 422,
  over_dispense: 422,
  not_yet_due: 422,
  substitution_forbidden: 422,
  correction_too_late: 422,
  certificate_refused: 422,
  crl_refused: 422,
  revocation_unknown: 403,
  too_many_attempts: 429,
  trace_full: 409,
  record_unreadable: 409,
  internal: 500,
  misconfigured: 503,
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
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Body must be JSON',
  invalid_document: 'Invalid document',
  bad_signature: 'Bad signature',
  unknown_item: 'Unknown item',
  over_dispense: 'More than remains',
  not_yet_due: 'Not yet due',
  substitution_forbidden: 'Substitution forbidden',
  correction_too_late: 'Too late to correct',
  certificate_refused: 'Certificate refused',
  crl_refused: 'Revocation list refused',
  revocation_unknown: 'Revocation status unknown',
  too_many_attempts: 'Too many attempts',
  trace_full: 'Trace full',
  record_unreadable: 'Stored record unreadable',
  internal: 'Internal error',
  misconfigured: 'Ordo is not configured',
};

export type ProblemDocument = { type: string; title: string; status: ContentfulStatusCode; detail: string; code: ProblemCode } & ProblemData;

/** The problem document for `err`: type urn:ordo:problem:<code>, title, status, detail, code, then the error's data. */
export function problemDocument(err: OrdoError): ProblemDocument {
  return { type: `urn:ordo:problem:${err.code}`, title: titles[err.code], status: status[err.code], detail: err.detail, code: err.code, ...err.data };
}

/** The headers that go with it: the media type, Retry-After on too_many_attempts, the challenge on a 401. */
function problemHeaders(doc: ProblemDocument): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': 'application/problem+json' };
  if (doc.code === 'too_many_attempts' && typeof doc.retryAfter === 'number') headers['Retry-After'] = String(doc.retryAfter);
  if (doc.status === 401) headers['WWW-Authenticate'] = 'Bearer';
  return headers;
}

/** Answers `err` from inside the app (the code is noted for the request log). */
export function problemResponse(c: Context, err: OrdoError): Response {
  const doc = problemDocument(err);
  c.set('problem', err.code);
  return c.body(JSON.stringify(doc), doc.status, problemHeaders(doc));
}

/** Answers `err` where there is no app to answer it (the Worker without its configuration). */
export function problemFetchResponse(err: OrdoError): Response {
  const doc = problemDocument(err);
  return new Response(JSON.stringify(doc), { status: doc.status, headers: problemHeaders(doc) });
}
