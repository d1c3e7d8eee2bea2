/**
 * Where every change of a prescription is committed: events are chained onto the head, each
 * gets a receipt signed by Ordo (the one place receipts are signed), and the whole lot is
 * committed as one atomic batch guarded by the prescription's version. A writer that lost a race
 * gets `VersionConflict` and nothing of it is stored; `withRetry` runs its decision again on
 * fresh state.
 */
import { signReceipt } from '../crypto/ordo-keys.js';
import { OrdoError } from '../domain/errors.js';
import { chainEvent, GENESIS_HASH, isoAt, type ChainedEvent, type EventActor, type EventType } from '../domain/events.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type DispensationRow, type PrescriptionRow, type PrescriptionState, type Reseal, type TokenUse } from '../store/types.js';

export type EventSpec = {
  type: EventType;
  actor: EventActor;
  claim: string | null;
  /** The proof as signed (hashed into the event). */
  proof: string | null;
  /** What is stored, when it differs from the proof (a sealed document). */
  stored?: string | null;
  /** For `claimed`: the claim's expiry (epoch ms), stated in the receipt. */
  claimedUntil?: number;
};

export type TransitionSpec = {
  /** The prescription as read (update), or the new row without its chain fields (insert). */
  from: PrescriptionRow | { insert: Omit<PrescriptionRow, 'version' | 'headHash'> };
  set?: Partial<PrescriptionState>;
  events: EventSpec[];
  token?: TokenUse;
  dispensation?: Omit<DispensationRow, 'idx'>;
  reseal?: Reseal[];
  /** Re-sealed terms (code rotation). */
  terms?: string;
  /** The instant of the events, when the caller already judged the step at it (issue: the legal time). */
  now?: number;
};

export type Recorded = ChainedEvent & { receipt: string };

export class VersionConflict extends Error {
  override name = 'VersionConflict';
}

const columnsOf = (r: PrescriptionRow): PrescriptionState => ({
  status: r.status,
  version: r.version,
  headHash: r.headHash,
  codeVersion: r.codeVersion,
  tokenKeyId: r.tokenKeyId,
  progress: r.progress,
  claimId: r.claimId,
  claimPharmacy: r.claimPharmacy,
  claimExpiresAt: r.claimExpiresAt,
  claimTtl: r.claimTtl,
  cancelReason: r.cancelReason,
  updatedAt: r.updatedAt,
});

/** Index the next event of this prescription will have (what sealing binds to). */
export const nextIndex = (row: PrescriptionRow) => row.version + 1;

export async function commitTransition(deps: Deps, spec: TransitionSpec): Promise<{ row: PrescriptionRow; events: Recorded[] }> {
  const now = spec.now ?? deps.clock();
  const at = isoAt(now);
  const isInsert = 'insert' in spec.from;
  const base = 'insert' in spec.from ? spec.from.insert : spec.from;
  let prevHash = 'insert' in spec.from ? GENESIS_HASH : spec.from.headHash;
  let index = 'insert' in spec.from ? 0 : spec.from.version + 1;

  const events: Recorded[] = [];
  for (const e of spec.events) {
    const chained = await chainEvent({ prescriptionId: base.id, index, type: e.type, at, actor: e.actor, claim: e.claim, prevHash, proof: e.proof });
    const receipt = await signReceipt(deps.keys.signer, deps.config.issuer, base.id, {
      index, type: e.type, at, claim: e.claim, hash: chained.hash, prevHash,
      ...(e.claimedUntil !== undefined && { claimedUntil: isoAt(e.claimedUntil) }),
    }, now);
    events.push({ ...chained, receipt });
    prevHash = chained.hash;
    index++;
  }
  const head = events.at(-1)!;
  const row: PrescriptionRow = { ...base, ...spec.set, version: head.index, headHash: head.hash, updatedAt: at } as PrescriptionRow;
  const rows = events.map((e, i) => ({
    prescriptionId: e.prescriptionId,
    idx: e.index,
    type: e.type,
    at: e.at,
    actor: JSON.stringify(e.actor),
    claim: e.claim,
    proof: spec.events[i]!.stored !== undefined ? spec.events[i]!.stored! : spec.events[i]!.proof,
    proofHash: e.proofHash,
    prevHash: e.prevHash,
    hash: e.hash,
    receipt: e.receipt,
  }));
  try {
    await deps.store.commit({
      prescription: isInsert ? { insert: row } : { id: row.id, expectedVersion: (spec.from as PrescriptionRow).version, set: columnsOf(row) },
      events: rows,
      token: spec.token,
      dispensation: spec.dispensation && { ...spec.dispensation, idx: head.index },
      reseal: spec.reseal,
      terms: spec.terms,
    });
  } catch (err) {
    if (!(err instanceof CommitConflict)) throw err;
    if (err.on === 'version') throw new VersionConflict();
    if (err.on === 'token') throw new OrdoError('replayed_token', 'This request token was already used: sign a new one.');
    throw err;
  }
  return { row, events };
}

/**
 * Runs a read-decide-commit step again when another writer got there first. Each attempt
 * re-reads, so the loser's answer reflects the winner's state (e.g. `claimed_elsewhere`).
 */
export async function withRetry<T>(step: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof VersionConflict) || i >= attempts) {
        if (err instanceof VersionConflict) throw new OrdoError('conflict', 'The prescription kept changing while this request ran: try again.');
        throw err;
      }
    }
  }
}
