/**
 * The prescriber's own view: the list of their prescriptions (metadata only) and one
 * prescription's state with its events, without proofs. Pharmacies appear as `{ kind }` only.
 */
import { base64url } from 'jose';
import { OrdoError } from '../domain/errors.js';
import type { EventActor, PrescriptionStatus } from '../domain/events.js';
import type { Deps } from '../deps.js';
import type { Caller } from './caller.js';
import { accountOf, ownPrescription } from './state.js';
import { expireIfDue } from './step.js';

/** The prescriber sees who acted only when it was themselves or Ordo. */
const maskActor = (a: EventActor) => (a === 'ordo' || a.kind === 'prescriber' ? a : { kind: a.kind });

/** RFC 9110 If-None-Match: `*` or a list of entity tags, compared weakly. */
const matches = (header: string | undefined, etag: string) =>
  header !== undefined && (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));

/**
 * One prescription. Its `etag` changes with each event (the head's hash) and when a paced
 * delivery falls due; when it matches `ifNoneMatch`, `view` is null: polling costs one row read.
 */
export async function prescriberView(deps: Deps, caller: Caller, id: string, ifNoneMatch?: string) {
  const row = await expireIfDue(deps, await ownPrescription(deps, caller, id));
  const account = await accountOf(deps, row);
  const etag = `"${row.version}.${row.headHash.slice(0, 16)}.${account.nextDueAt === null ? 'due' : Date.parse(account.nextDueAt).toString(36)}"`;
  if (matches(ifNoneMatch, etag)) return { etag, view: null };
  const events = await deps.store.getEvents(row.id);
  return {
    etag,
    view: {
      id: row.id,
      status: row.status,
      issuedAt: row.issuedAt,
      validUntil: row.validUntil,
      ...account,
      claimedUntil: row.status === 'claimed' && row.claimExpiresAt !== null ? new Date(row.claimExpiresAt).toISOString() : null,
      events: events.map((e) => ({ index: e.idx, type: e.type, at: e.at, actor: maskActor(JSON.parse(e.actor) as EventActor), claim: e.claim, hash: e.hash, prevHash: e.prevHash })),
    },
  };
}

export type ListInput = { state?: PrescriptionStatus; cursor?: string; limit: number };

function decodeCursor(cursor: string): { issuedAt: string; id: string } {
  try {
    const v = JSON.parse(new TextDecoder().decode(base64url.decode(cursor))) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { issuedAt: v[0], id: v[1] };
  } catch {
    // fall through: any undecodable cursor is the client's mistake
  }
  throw new OrdoError('bad_request', 'cursor: not a cursor this server gave.');
}

/** A page of the prescriber's prescriptions, newest first. */
export async function listPrescriptions(deps: Deps, caller: Caller, q: ListInput) {
  const rows = await deps.store.listPrescriptions({ prescriberId: caller.actor.id, status: q.state, after: q.cursor ? decodeCursor(q.cursor) : undefined, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({ id: r.id, status: r.status, issuedAt: r.issuedAt, validUntil: r.validUntil, items: r.itemCount, updatedAt: r.updatedAt })),
    nextCursor: rows.length > q.limit && last ? base64url.encode(JSON.stringify([last.issuedAt, last.id])) : null,
  };
}
