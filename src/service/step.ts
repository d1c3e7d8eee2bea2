/**
 * One step of the lifecycle on a stored prescription: the state machine decides at `now`, the
 * proofs are attached to the events it asks for, and the commit records everything at once, at
 * that same instant (so the verifier, replaying the trace, judges each event where Ordo did).
 */
import { OrdoError } from '../domain/errors.js';
import { decide, isOpen, needsActorCount, RuleError, type Step } from '../domain/lifecycle.js';
import type { Deps } from '../deps.js';
import type { DispensationRow, EventRow, PrescriptionRow, PrescriptionState, Reseal } from '../store/types.js';
import type { Caller } from './caller.js';
import { commitTransition, withRetry, type EventSpec, type Recorded } from './commit.js';
import { contentKeyOf } from './code-access.js';
import { columnsOf, stateOf } from './state.js';
import { termsOf } from './sealed-terms.js';
import { openCancelReason } from './trace.js';

export type StepRecords = {
  /** The caller whose request token proves the events that need one, and is recorded against replay. */
  caller?: Caller;
  /** The signed document of a `dispensed` event, and what is stored of it (sealed). */
  document?: { jws: string; stored: string };
  /** The dispensing record's row, made from the prescription as the step leaves it. */
  dispensation?: (after: PrescriptionRow) => Omit<DispensationRow, 'idx'>;
  /** Re-sealed proofs and terms (code rotation). */
  reseal?: Reseal[];
  terms?: string;
  /** Columns the step sets beside the state (a sealed cancel reason, a new code version). */
  set?: Partial<PrescriptionState>;
};

const actorIdOf = (e: EventRow) => {
  try {
    return (JSON.parse(e.actor) as { id?: string }).id;
  } catch {
    return undefined;
  }
};

/**
 * Decides `step` on `row` and commits its events (throws `VersionConflict` if `row` is stale).
 * Nothing is written when the state machine appends nothing: `recorded` is then empty.
 */
export async function applyStep(deps: Deps, row: PrescriptionRow, step: Step, records: StepRecords = {}): Promise<{ row: PrescriptionRow; recorded: Recorded[] }> {
  const now = deps.clock();
  const state = stateOf(row, step.type === 'dispense' ? await termsOf(deps, row) : null);
  const pharmacy = 'pharmacy' in step ? step.pharmacy.id : undefined;
  // Counted only on long traces: the bound per pharmacy cannot be reached on a short one.
  const actorEvents = pharmacy && needsActorCount(state) ? (await deps.store.getEvents(row.id)).filter((e) => actorIdOf(e) === pharmacy).length : undefined;
  let decision;
  try {
    decision = decide(state, step, { now, earlyDays: deps.config.earlyDays, minExtension: deps.config.claimTtl * 1000, actorEvents });
  } catch (err) {
    throw await explain(deps, row, err);
  }
  if (decision.events.length === 0) return { row, recorded: [] };
  const set = { ...columnsOf(decision.state), ...records.set };
  const events = decision.events.map((d): EventSpec => {
    if (d.proof === 'document' && !records.document) throw new Error(`applyStep: ${d.type} needs its signed document`);
    if (d.proof === 'token' && !records.caller) throw new Error(`applyStep: ${d.type} needs the caller's request token`);
    return {
      type: d.type,
      actor: d.actor,
      claim: d.claim,
      claimedUntil: d.claimedUntil,
      proof: d.proof === 'token' ? records.caller!.token : d.proof === 'document' ? records.document!.jws : null,
      ...(d.proof === 'document' && { stored: records.document!.stored }),
    };
  });
  const r = await commitTransition(deps, {
    from: row,
    set,
    events,
    token: records.caller?.use,
    dispensation: records.dispensation?.({ ...row, ...set }),
    reseal: records.reseal,
    terms: records.terms,
    now,
  });
  return { row: r.row, recorded: r.events };
}

/** A closed prescription's refusal, with what the state alone does not say: the date, the cancel reason. */
async function explain(deps: Deps, row: PrescriptionRow, err: unknown): Promise<unknown> {
  if (!(err instanceof RuleError)) return err;
  if (err.code === 'expired') return new OrdoError('expired', `This prescription expired at the end of ${row.validUntil}.`);
  if (err.code === 'cancelled') {
    const reason = await openCancelReason(deps, row, await contentKeyOf(deps, row), await deps.store.getEvents(row.id));
    return new OrdoError('cancelled', err.detail, { reason: reason ?? '' });
  }
  return err;
}

/** Records `expired` (by Ordo, at or after the end of validUntil) if it is due. */
export async function expireIfDue(deps: Deps, row: PrescriptionRow): Promise<PrescriptionRow> {
  if (!isOpen(row) || deps.clock() < row.expiresAt) return row;
  return withRetry(async () => (await applyStep(deps, (await deps.store.getPrescription(row.id))!, { type: 'expire' })).row);
}

/** The prescription as every step decides on it: read fresh, and expired first if due. */
export async function freshRow(deps: Deps, id: string): Promise<PrescriptionRow> {
  return expireIfDue(deps, (await deps.store.getPrescription(id))!);
}
