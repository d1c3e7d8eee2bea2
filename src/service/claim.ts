/**
 * Claim: a pharmacy opens a prescription by its code and holds it. Claiming again renews the
 * holder's claim when the state machine says so; a lapsed claim of another pharmacy is ended
 * and taken over in one write.
 */
import { b64url, randomBytes } from '../crypto/hash.js';
import { contentKey } from '../crypto/seal.js';
import { parseCode } from '../domain/code.js';
import { OrdoError } from '../domain/errors.js';
import { isoAt } from '../domain/events.js';
import type { Deps } from '../deps.js';
import { openedPrescription } from './answers.js';
import { actorOf, type Caller } from './caller.js';
import { idBytes, resolveCode } from './code-access.js';
import { withRetry } from './commit.js';
import { accountOf } from './state.js';
import { applyStep, freshRow } from './step.js';
import { recordToken } from './tokens.js';
import { lastReceipt, openTrace } from './trace.js';

/**
 * A claim id: 16 random bytes in base64url (22 characters), the first byte's top bit cleared so
 * that the id never begins with `-` (it begins with A–Z or a–f) and pastes as a command-line
 * argument; 127 random bits.
 */
export function newClaimId(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return b64url(bytes);
}

export type ClaimInput = { code: string; ttl?: number };

/**
 * `claimed_elsewhere` with who holds it, from the public directory (`heldBy: { id, name }`, `name`
 * null when the directory has none), so that the two pharmacies can call each other.
 */
async function namingHolder(deps: Deps, holder: string | null, err: unknown): Promise<unknown> {
  if (!(err instanceof OrdoError) || err.code !== 'claimed_elsewhere' || holder === null) return err;
  const name = (await deps.store.getActor(holder))?.name ?? null;
  const until = typeof err.data.claimedUntil === 'string' ? ` until ${err.data.claimedUntil}` : '';
  return new OrdoError('claimed_elsewhere', `${name ?? 'Another pharmacy'} (${holder}) holds this prescription${until}: call them, or try again after that time.`, { ...err.data, heldBy: { id: holder, name } });
}

export async function claimPrescription(deps: Deps, caller: Caller, input: ClaimInput) {
  const ttl = input.ttl ?? deps.config.claimTtl;
  if (ttl > deps.config.claimMaxTtl) throw new OrdoError('bad_request', `ttl: at most ${deps.config.claimMaxTtl} seconds.`);
  const parsed = parseCode(input.code);
  if (parsed.ok && parsed.idText !== caller.sub) throw new OrdoError('unauthenticated', 'Request token: sub must be the first 16 symbols of the code.');
  const { row: found, v } = await resolveCode(deps, input.code, { pharmacy: caller.actor.id });

  // The document is opened before anything is recorded: a claim that cannot hand it over is refused whole.
  const [issued] = await openTrace(deps, found, await contentKey(deps.crypto, v, idBytes(found.id)), [(await deps.store.getEvent(found.id, 0))!]);
  if (!issued?.proof) {
    deps.log({ level: 'error', msg: 'sealed record does not open', event: 0 });
    throw new OrdoError('record_unreadable', "This prescription's stored document cannot be opened: do not dispense it; the prescriber can issue it again.");
  }

  const outcome = await withRetry(async () => {
    const row = await freshRow(deps, found.id);
    const step = { type: 'claim' as const, pharmacy: actorOf(caller), ttl, ttlAsked: input.ttl !== undefined, newClaimId: newClaimId() };
    const r = await applyStep(deps, row, step, { caller }).catch(async (err: unknown) => {
      throw await namingHolder(deps, row.claimPharmacy, err);
    });
    const held = row.claimId !== null && row.claimPharmacy === caller.actor.id;
    if (r.recorded.length === 0) {
      // Held and not due for renewal: the same claim, nothing recorded but the token.
      await recordToken(deps, caller.use);
      return { row, receipt: lastReceipt(await deps.store.getEvents(row.id), 'claimed', row.claimId)!, created: false };
    }
    return { row: r.row, receipt: r.recorded.at(-1)!.receipt, created: !held };
  });

  const { row } = outcome;
  return {
    created: outcome.created,
    answer: {
      claim: { id: row.claimId!, expiresAt: isoAt(row.claimExpiresAt!) },
      prescription: {
        ...(await openedPrescription(deps, row, issued.proof)), ...(await accountOf(deps, row)), status: row.status,
        issuedEvent: { hash: issued.hash, ...(issued.leafIndex !== undefined && { leafIndex: issued.leafIndex }) },
      },
      receipt: outcome.receipt,
    },
  };
}
