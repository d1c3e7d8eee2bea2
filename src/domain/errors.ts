/**
 * Domain errors. They carry a stable `code` (the contract's problem codes) and the data a
 * client acts on, but know nothing of HTTP: `src/http/problem.ts` maps each code to a status.
 */
export const problemCodes = [
  'bad_request',
  'bad_check',
  'unauthenticated',
  'token_expired',
  'clock_skew',
  'replayed_token',
  'forbidden',
  'not_found',
  'conflict',
  'claimed_elsewhere',
  'claim_ended',
  'already_completed',
  'cancelled',
  'expired',
  'payload_too_large',
  'unsupported_media_type',
  'invalid_document',
  'bad_signature',
  'unknown_item',
  'over_dispense',
  'not_yet_due',
  'substitution_forbidden',
  'correction_too_late',
  'certificate_refused',
  'crl_refused',
  'revocation_unknown',
  'too_many_attempts',
  'trace_full',
  'record_unreadable',
  // Not the client's doing: a fault on Ordo's side, a deployment missing its configuration.
  'internal',
  'misconfigured',
] as const;

export type ProblemCode = (typeof problemCodes)[number];

/** Extra members a client acts on, copied into the problem document as they are. */
export type ProblemData = {
  claimedUntil?: string;
  nextDueAt?: string | null;
  /** Until when a dispensing record may be corrected (correction_too_late). */
  correctableUntil?: string;
  serverTime?: string;
  reason?: string;
  retryAfter?: number;
  errors?: { path: string; message: string }[];
  [key: string]: unknown;
};

export class OrdoError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly data: ProblemData = {},
  ) {
    super(detail);
    this.name = 'OrdoError';
  }
}

/** 422: the JSON is well formed but the document breaks the rules. */
export const invalidDocument = (detail: string, data?: ProblemData) =>
  new OrdoError('invalid_document', detail, data);
