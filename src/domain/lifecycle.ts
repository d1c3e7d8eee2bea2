/**
 * The lifecycle of a prescription, in one place.
 *
 * - `next(state, event)` is the table of transitions: what each event requires of the state and
 *   what it changes. It is the only place where a claim is opened, renewed or ended, a dispense
 *   counted, a prescription closed.
 * - `decide(state, step)` is Ordo's policy: which events a request appends (none, one, or a
 *   lapsed claim's end followed by a new claim), each folded through `next`.
 * - The offline verifier replays a trace through `next`, so whatever Ordo may not record, the
 *   verifier rejects.
 *
 * Pure: no I/O, no clock (times are given), no HTTP. Refusals are `RuleError`s carrying the
 * contract's problem codes.
 */
import { applyDispense, isComplete, recount, withRecord, type DispenseLine, type Dispensing, type ItemProgress, type ItemTerms } from './accounting.js';
import { OrdoError, type ProblemCode, type ProblemData } from './errors.js';
import type { EventActor, EventType, PrescriptionStatus } from './events.js';

export type Claim = {
  id: string;
  pharmacy: string;
  /** Epoch ms: from then on the claim has lapsed (Ordo may record `claim_expired`). */
  expiresAt: number;
  /** Seconds the claim was last opened or renewed for. */
  ttl: number;
};

export type RxState = {
  status: PrescriptionStatus;
  /** Epoch ms of the first instant after `validUntil`. */
  expiresAt: number;
  /**
   * What each item allows; null when the step at hand does not need them (they are stored
   * sealed, and opened for a dispense only: a cancel or an expiry never depends on opening them).
   */
  terms: ItemTerms[] | null;
  progress: ItemProgress[];
  /** The open claim: set exactly when `status` is `claimed`. */
  claim: Claim | null;
  /** How many events the trace holds. */
  length: number;
  /**
   * The record in force of each claim that dispensed, in the order of their dispenses: what a
   * correction is judged and recounted on. The verifier keeps them as it replays; the server
   * gives them with a correction only (they are sealed), and leaves them absent otherwise.
   */
  dispensings?: Dispensing[] | null;
};

/** An event as the state machine sees it (`at` in epoch ms). */
export type LifecycleEvent =
  | { type: 'claimed'; at: number; pharmacy: string; claim: string; until: number }
  | { type: 'released'; at: number; pharmacy: string; claim: string }
  | { type: 'dispensed'; at: number; pharmacy: string; claim: string; lines: DispenseLine[] }
  /** `corrects`: the index of the event whose record this one replaces. */
  | { type: 'dispense_corrected'; at: number; pharmacy: string; claim: string; corrects: number; lines: DispenseLine[] }
  | { type: 'claim_expired'; at: number; claim: string }
  | { type: 'cancelled'; at: number }
  | { type: 'code_rotated'; at: number }
  | { type: 'expired'; at: number };

/**
 * A refusal by the rules. `time`: the event lies outside a time bound (Ordo's own events before
 * the bound it promised, a correction after its 24 hours).
 */
export class RuleError extends OrdoError {
  constructor(code: ProblemCode, detail: string, readonly rule: 'state' | 'time' | 'bound' = 'state', data: ProblemData = {}) {
    super(code, detail, data);
    this.name = 'RuleError';
  }
}

/**
 * Bounds on what a trace may hold, so that no loop of valid requests grows one prescription
 * without end (each event is read, and verified in the browser, by everyone who looks it up).
 * Steps by pharmacies and code rotations are refused with `trace_full` beyond them; a cancel and
 * Ordo's own events are always recorded (so a trace holds at most TRACE_LIMIT + 3 events).
 */
export const TRACE_LIMIT = 200;
/** Events one pharmacy may append to one prescription. */
export const ACTOR_LIMIT = 80;
/** How long after its dispense a dispensing record may be corrected (ms): part of the contract, not configuration. */
export const CORRECTION_WINDOW_MS = 24 * 3600_000;

export const isOpen = (s: Pick<RxState, 'status'>) => s.status === 'active' || s.status === 'claimed';

/** A newly issued prescription: its `issued` event recorded, nothing dispensed, nobody holding it. */
export function issuedState(items: ItemTerms[], expiresAt: number): RxState {
  return {
    status: 'active',
    expiresAt,
    terms: items.map(({ quantity, total, supplyDays, substitutable }) => ({ quantity, total, supplyDays, substitutable })),
    progress: items.map(() => ({ dispensed: 0, firstAt: null })),
    claim: null,
    length: 1,
    dispensings: [],
  };
}

/** The one way a claim ends: by dispensing, release, lapse, cancel or expiry. */
const endClaim = (s: RxState, status: PrescriptionStatus): RxState => ({ ...s, status, claim: null });

const iso = (ms: number) => new Date(ms).toISOString();

/** 410 for a prescription that can no longer change, saying why (a cancel's reason is added by the caller). */
export function refuseClosed(s: RxState): void {
  if (s.status === 'completed') throw new RuleError('already_completed', 'Everything on this prescription has been dispensed.');
  if (s.status === 'expired') throw new RuleError('expired', 'This prescription has expired.');
  if (s.status === 'cancelled') throw new RuleError('cancelled', 'The prescriber cancelled this prescription: do not dispense it.');
}

function claimOf(s: RxState, claim: string, pharmacy: string): Claim {
  const c = s.claim;
  if (!c || c.id !== claim) throw new RuleError('claim_ended', 'This claim has ended: claim the prescription again.');
  if (c.pharmacy !== pharmacy) throw new RuleError('forbidden', 'This claim belongs to another pharmacy.');
  return c;
}

export const claimedElsewhere = (c: Claim) =>
  new RuleError('claimed_elsewhere', 'Another pharmacy holds this prescription for now.', 'state', { claimedUntil: iso(c.expiresAt) });

/**
 * The table of transitions. Throws a RuleError when the event may not happen in this state.
 * `earlyDays` is ORDO_EARLY_DAYS, for the pace of paced items.
 */
export function next(s: RxState, e: LifecycleEvent, earlyDays: number): RxState {
  if (e.type === 'dispense_corrected') return corrected(s, e, earlyDays);
  refuseClosed(s);
  const grown = { ...s, length: s.length + 1 };
  switch (e.type) {
    case 'claimed': {
      if (s.claim && s.claim.id !== e.claim) throw claimedElsewhere(s.claim);
      if (s.claim && s.claim.pharmacy !== e.pharmacy) throw new RuleError('forbidden', 'This claim belongs to another pharmacy.');
      if (!(e.until > e.at)) throw new RuleError('bad_request', 'A claim must last some time.');
      return { ...grown, status: 'claimed', claim: { id: e.claim, pharmacy: e.pharmacy, expiresAt: e.until, ttl: Math.round((e.until - e.at) / 1000) } };
    }
    case 'released':
      claimOf(s, e.claim, e.pharmacy);
      return endClaim(grown, 'active');
    case 'dispensed': {
      claimOf(s, e.claim, e.pharmacy);
      // A claim dispenses once (its record is then corrected, never added to), even under an id reopened.
      if (s.dispensings?.some((d) => d.claim === e.claim)) throw new RuleError('claim_ended', `Claim ${e.claim} has dispensed already.`);
      if (!s.terms) throw new Error('next: a dispense is decided on the terms');
      const progress = applyDispense(s.terms, s.progress, e.lines, e.at, earlyDays);
      const dispensings = s.dispensings && withRecord(s.dispensings, { claim: e.claim, pharmacy: e.pharmacy, at: e.at, index: s.length, lines: e.lines });
      return endClaim({ ...grown, progress, ...(dispensings && { dispensings }) }, isComplete(s.terms, progress) ? 'completed' : 'active');
    }
    case 'claim_expired':
      if (!s.claim || s.claim.id !== e.claim) throw new RuleError('claim_ended', `Claim ${e.claim} is not open.`);
      if (e.at < s.claim.expiresAt) throw new RuleError('conflict', `The claim runs until ${iso(s.claim.expiresAt)}.`, 'time');
      return endClaim(grown, 'active');
    case 'cancelled':
      return endClaim(grown, 'cancelled');
    case 'code_rotated':
      return grown;
    case 'expired':
      if (e.at < s.expiresAt) throw new RuleError('conflict', `The prescription is valid until ${iso(s.expiresAt)}.`, 'time');
      return endClaim(grown, 'expired');
  }
}

/**
 * A correction (design § Correcting a dispensing record): by the pharmacy that dispensed under the
 * claim, of the record in force, within 24 hours of the dispense; what was dispensed is recounted
 * from the records in force. It may follow the dispense that completed the prescription (and
 * reopens it if something is left again), and a cancel or an expiry, where it may not raise what
 * was dispensed of any item; a claim open meanwhile is left as it is.
 */
function corrected(s: RxState, e: Extract<LifecycleEvent, { type: 'dispense_corrected' }>, earlyDays: number): RxState {
  if (!s.terms || !s.dispensings) throw new Error('next: a correction is decided on the terms and the records in force');
  const d = s.dispensings.find((x) => x.claim === e.claim);
  if (!d) throw new RuleError('conflict', `Nothing was dispensed under claim ${e.claim}: there is no dispensing record to correct.`);
  if (d.pharmacy !== e.pharmacy) throw new RuleError('forbidden', 'Only the pharmacy that dispensed may correct its dispensing record.');
  if (e.corrects !== d.index) throw new RuleError('conflict', `The record in force under this claim is event ${d.index}: a correction must name it (corrects: ${d.index}).`);
  const until = d.at + CORRECTION_WINDOW_MS;
  if (e.at > until) {
    throw new RuleError('correction_too_late', `A dispensing record may be corrected for 24 hours after its dispense, until ${iso(until)}.`, 'time', { correctableUntil: iso(until) });
  }
  const dispensings = withRecord(s.dispensings, { ...d, index: s.length, lines: e.lines });
  const progress = recount(s.terms, dispensings, earlyDays);
  const closed = s.status === 'cancelled' || s.status === 'expired';
  // Closed, it may lower what was handed over or fix its details, never hand over more.
  if (closed && progress.some((p, i) => p.dispensed > (s.progress[i]?.dispensed ?? 0))) refuseClosed(s);
  const status = closed || s.status === 'claimed' ? s.status : isComplete(s.terms, progress) ? 'completed' : 'active';
  return { ...s, status, progress, dispensings, length: s.length + 1 };
}

/** What a request asks for. Actors are the caller as recorded in the event. */
export type Step =
  | { type: 'claim'; pharmacy: Exclude<EventActor, 'ordo'>; ttl: number; ttlAsked: boolean; newClaimId: string }
  | { type: 'dispense'; pharmacy: Exclude<EventActor, 'ordo'>; claim: string; lines: DispenseLine[] }
  /** `terms` and `dispensings`: what a correction is decided on, opened from the sealed records (the row keeps counts only). */
  | { type: 'correct'; pharmacy: Exclude<EventActor, 'ordo'>; claim: string; corrects: number; lines: DispenseLine[]; terms: ItemTerms[]; dispensings: Dispensing[] }
  | { type: 'release'; pharmacy: Exclude<EventActor, 'ordo'>; claim: string }
  | { type: 'cancel'; prescriber: Exclude<EventActor, 'ordo'> }
  | { type: 'rotate'; prescriber: Exclude<EventActor, 'ordo'> }
  | { type: 'expire' }
  | { type: 'lapse' };

export type StepContext = {
  /** Epoch ms: the instant of every event this step appends. */
  now: number;
  earlyDays: number;
  /** A longer `ttl` asked by the holder renews its claim at once only if it adds at least this (ms). */
  minExtension: number;
  /** How many events the acting pharmacy has appended to this prescription; needed when `needsActorCount`. */
  actorEvents?: number;
};

/** What an event carries as its proof: the caller's request token, its signed document, or nothing (Ordo). */
export type ProofKind = 'token' | 'document' | null;
export type EventDraft = { type: EventType; actor: EventActor; claim: string | null; proof: ProofKind; claimedUntil?: number };
export type Decision = { events: EventDraft[]; state: RxState };

/** Whether `decide` needs `actorEvents` for a pharmacy's step on this state (a cheap test first). */
export const needsActorCount = (s: RxState) => s.length + 2 > ACTOR_LIMIT;

/**
 * Decides a step at `ctx.now`: the events to append (possibly none) and the state after them.
 * A prescription past its validity must be expired first (`expire`); other steps refuse it then.
 */
export function decide(s: RxState, step: Step, ctx: StepContext): Decision {
  const drafts: { draft: EventDraft; event: LifecycleEvent }[] = [];
  const add = (draft: EventDraft, event: LifecycleEvent) => drafts.push({ draft, event });
  const { now } = ctx;
  switch (step.type) {
    case 'expire':
      if (isOpen(s) && now >= s.expiresAt) add({ type: 'expired', actor: 'ordo', claim: s.claim?.id ?? null, proof: null }, { type: 'expired', at: now });
      break;
    case 'lapse':
      if (s.status === 'claimed' && s.claim && now >= s.claim.expiresAt && now < s.expiresAt) {
        add({ type: 'claim_expired', actor: 'ordo', claim: s.claim.id, proof: null }, { type: 'claim_expired', at: now, claim: s.claim.id });
      }
      break;
    case 'claim': {
      refuseClosed(s);
      const p = step.pharmacy;
      const until = now + step.ttl * 1000;
      const claimed = (claim: string) =>
        add({ type: 'claimed', actor: p, claim, proof: 'token', claimedUntil: until }, { type: 'claimed', at: now, pharmacy: p.id, claim, until });
      const held = s.claim;
      if (held && held.pharmacy === p.id) {
        // Renewed once less than half is left, or at once when the holder asks to hold it longer
        // by a meaningful step (goods on order); otherwise a second scan changes nothing.
        const halfGone = (held.expiresAt - now) * 2 < held.ttl * 1000;
        const longer = step.ttlAsked && step.ttl > held.ttl && until - held.expiresAt >= ctx.minExtension;
        if (halfGone || longer) claimed(held.id);
        break;
      }
      if (held) {
        if (now < held.expiresAt) throw claimedElsewhere(held);
        // The other pharmacy's claim has lapsed: end it and take over in one write.
        add({ type: 'claim_expired', actor: 'ordo', claim: held.id, proof: null }, { type: 'claim_expired', at: now, claim: held.id });
      }
      claimed(step.newClaimId);
      break;
    }
    case 'dispense':
      add({ type: 'dispensed', actor: step.pharmacy, claim: step.claim, proof: 'document' }, { type: 'dispensed', at: now, pharmacy: step.pharmacy.id, claim: step.claim, lines: step.lines });
      break;
    case 'correct':
      add(
        { type: 'dispense_corrected', actor: step.pharmacy, claim: step.claim, proof: 'document' },
        { type: 'dispense_corrected', at: now, pharmacy: step.pharmacy.id, claim: step.claim, corrects: step.corrects, lines: step.lines },
      );
      break;
    case 'release':
      add({ type: 'released', actor: step.pharmacy, claim: step.claim, proof: 'token' }, { type: 'released', at: now, pharmacy: step.pharmacy.id, claim: step.claim });
      break;
    case 'cancel':
      // Cancelling twice changes nothing; completed and expired prescriptions have nothing to cancel.
      if (s.status === 'cancelled') break;
      add({ type: 'cancelled', actor: step.prescriber, claim: s.claim?.id ?? null, proof: 'token' }, { type: 'cancelled', at: now });
      break;
    case 'rotate':
      add({ type: 'code_rotated', actor: step.prescriber, claim: null, proof: 'token' }, { type: 'code_rotated', at: now });
      break;
  }
  const from = step.type === 'correct' ? { ...s, terms: step.terms, dispensings: step.dispensings } : s;
  const state = drafts.reduce((st, d) => next(st, d.event, ctx.earlyDays), from);
  checkBounds(s, step, drafts.length, ctx);
  return { events: drafts.map((d) => d.draft), state };
}

function checkBounds(s: RxState, step: Step, added: number, ctx: StepContext): void {
  if (added === 0 || step.type === 'cancel' || step.type === 'expire' || step.type === 'lapse') return;
  const full = (detail: string) => new RuleError('trace_full', detail, 'bound');
  if (s.length + added > TRACE_LIMIT) {
    throw full(`This prescription's trace has reached its limit of ${TRACE_LIMIT} events: it can still be cancelled, and the prescriber can issue a new one.`);
  }
  if ('pharmacy' in step && s.length + added > ACTOR_LIMIT) {
    if (ctx.actorEvents === undefined) throw new Error('decide: actorEvents is needed on this state (see needsActorCount)');
    if (ctx.actorEvents + added > ACTOR_LIMIT) throw full(`This pharmacy has recorded ${ctx.actorEvents} events on this prescription, the most one pharmacy may (${ACTOR_LIMIT}).`);
  }
}
