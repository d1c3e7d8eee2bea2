/**
 * The pharmacy's held prescriptions: those whose open claim is its own (goods on order, a
 * patient coming back), soonest expiry first, to extend, release or dispense by claim id. No
 * content and no code: without the code the server cannot show the patient; the counter keeps
 * what it needs locally.
 */
import { base64url } from 'jose';
import { OrdoError } from '../domain/errors.js';
import { isoAt } from '../domain/events.js';
import type { Deps } from '../deps.js';
import type { Caller } from './caller.js';
import { expireIfDue } from './step.js';

export type HeldInput = { limit: number; cursor?: string };

function decodeCursor(cursor: string): { claimExpiresAt: number; id: string } {
  try {
    const v = JSON.parse(new TextDecoder().decode(base64url.decode(cursor))) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') return { claimExpiresAt: v[0] as number, id: v[1] };
  } catch {
    // fall through: any undecodable cursor is the client's mistake
  }
  throw new OrdoError('bad_request', 'cursor: not a cursor this server gave.');
}

/**
 * A page of the caller's held prescriptions. One past its validity is recorded `expired` first
 * (as on every access) and left out, so a page may hold fewer than `limit`: follow `nextCursor`
 * until it is null. A claim is `lapsed` from its `expiresAt` on (still the holder's until another
 * pharmacy claims or the sweep ends it).
 */
export async function listHeldClaims(deps: Deps, caller: Caller, q: HeldInput) {
  const rows = await deps.store.listHeld({ pharmacyId: caller.actor.id, after: q.cursor ? decodeCursor(q.cursor) : undefined, limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const now = deps.clock();
  const items = [];
  for (const { row, claimedAt } of page) {
    if ((await expireIfDue(deps, row)).claimId !== row.claimId) continue;
    items.push({
      claim: { id: row.claimId!, expiresAt: isoAt(row.claimExpiresAt!) },
      prescriptionId: row.id,
      claimedAt,
      validUntil: row.validUntil,
      lapsed: now >= row.claimExpiresAt!,
    });
  }
  const last = page.at(-1)?.row;
  return { items, nextCursor: rows.length > q.limit && last ? base64url.encode(JSON.stringify([last.claimExpiresAt, last.id])) : null };
}
