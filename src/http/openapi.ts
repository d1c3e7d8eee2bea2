/** Shared OpenAPI pieces: the router factory with the one zod hook, problem responses, security. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { ProblemSchema } from '../contract/index.js';
import { OrdoError, problemCodes, type ProblemCode, type ProblemData } from '../domain/errors.js';
import type { AppEnv } from './env.js';
import { problemDocument } from './problem.js';

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

/** One example problem per code, as Ordo words it: the document's examples are built by the one builder of problems. */
const samples: Record<ProblemCode, [detail: string, data?: ProblemData]> = {
  bad_request: ['code: Required', { errors: [{ path: 'code', message: 'Required' }] }],
  bad_check: ['The check symbol does not match: the code was mistyped. Check it against the printed code, or scan it.'],
  unauthenticated: ['The request token does not match this request (htu).'],
  token_expired: ['The request token expired.', { serverTime: '2026-11-28T10:00:00.000Z' }],
  clock_skew: ['The request token was issued in the future: check the clock.', { serverTime: '2026-11-28T10:00:00.000Z' }],
  replayed_token: ['This request token was already used: sign a new one for every request.'],
  forbidden: ['This claim belongs to another pharmacy.'],
  not_found: ['No prescription has this code.'],
  conflict: ['Another document was already issued under this jti.'],
  claimed_elsewhere: [
    'Pharmacie des Lilas (75001234567) holds this prescription until 2026-11-28T10:10:00.000Z: call them, or try again after that time.',
    { claimedUntil: '2026-11-28T10:10:00.000Z', heldBy: { id: '75001234567', name: 'Pharmacie des Lilas' } },
  ],
  claim_ended: ['This claim has ended: claim the prescription again.'],
  already_completed: ['Everything on this prescription has been dispensed.'],
  cancelled: ['The prescriber cancelled this prescription.', { reason: 'Erreur de posologie' }],
  expired: ['This prescription expired on 2027-02-28.'],
  payload_too_large: ['The body is over 65536 bytes.'],
  unsupported_media_type: ['The body must be application/json.'],
  invalid_document: ['The prescription breaks the rules.', { errors: [{ path: 'items.0.quantity', message: 'Too small: expected number to be >=1' }] }],
  bad_signature: ['The signature does not verify with an active key of 10001234567.'],
  unknown_item: ['The prescription has no item 3.', { item: 3 }],
  over_dispense: ['Item 0: 3 asked, 2 remain.', { item: 0, remaining: 2 }],
  not_yet_due: ['Item 0 is not yet due.', { item: 0, nextDueAt: '2026-12-28T10:00:00.000Z' }],
  substitution_forbidden: ['Item 0 is not substitutable.', { item: 0 }],
  correction_too_late: ['A dispensing record may be corrected for 24 hours after its dispense, until 2026-11-29T10:01:00.000Z.', { correctableUntil: '2026-11-29T10:01:00.000Z' }],
  certificate_refused: ['The certificate expired on 2026-11-30T23:59:59.000Z.', { reason: 'expired' }],
  crl_refused: ['This revocation list is past its nextUpdate (2026-11-30T00:00:00.000Z): load a newer one.', { reason: 'stale' }],
  revocation_unknown: ['The revocation list of CN=Prescriber CA is past its nextUpdate by more than ORDO_CRL_GRACE: the registrar must load a newer one.'],
  too_many_attempts: ['Too many failed codes from this client: wait before trying again.', { retryAfter: 412 }],
  trace_full: ['This prescription holds the most events allowed.'],
  record_unreadable: ['A stored record of this prescription does not open.'],
  internal: ['Something went wrong on our side. Retrying the same request is safe: steps are idempotent or refuse a second use of a token.'],
  misconfigured: ['Missing or invalid: ORDO_TOKEN_KEY.'],
};
const sampleOf = (code: ProblemCode) => problemDocument(new OrdoError(code, ...samples[code]));

/**
 * Problem responses for a route, with an example of each problem. A status stands for every
 * code Ordo answers with it; a code for itself alone (`problems(400, 'claimed_elsewhere')`).
 */
export function problems(...answers: (number | ProblemCode)[]) {
  const codes = new Map<number, ProblemCode[]>();
  for (const a of answers) {
    const picked = typeof a === 'number' ? problemCodes.filter((c) => sampleOf(c).status === a) : [a];
    const status = typeof a === 'number' ? a : sampleOf(a).status;
    codes.set(status, [...(codes.get(status) ?? []), ...picked]);
  }
  return Object.fromEntries(
    [...codes].map(([status, cs]) => [
      status,
      {
        description: `Problem (RFC 9457): ${cs.map((c) => `\`${c}\``).join(', ')}`,
        content: { 'application/problem+json': { schema: ProblemSchema, examples: Object.fromEntries(cs.map((c) => [c, { value: sampleOf(c) }])) } },
      },
    ]),
  );
}

export const bearerSecurity = [{ requestToken: [] }];
export const adminSecurity = [{ registrar: [] }];
