/**
 * The trace verifier: given a prescription's events (proofs opened), the directory records of
 * its signers and Ordo's JWKS, it checks everything a verifier can check offline, years later,
 * and reports the first failure precisely. Runtime-neutral: the CLI, pages and Workers use it.
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import { algOfJwk } from '../crypto/keys.js';
import type { ReceiptEvent } from '../crypto/ordo-keys.js';
import { sha256b64url } from '../crypto/hash.js';
import { parseCompactJws } from '../crypto/jws.js';
import type { DispenseLine } from './accounting.js';
import { OrdoError } from './errors.js';
import { GENESIS_HASH, hashEvent, proofHashOf, type ChainedEvent, type EventType } from './events.js';
import { issuedState, next, RuleError, type LifecycleEvent, type RxState } from './lifecycle.js';
import { itemTermsOf, validityOf } from './terms.js';

/**
 * An event as a verifier receives it: its hashed fields, its proof (opened) and its receipt;
 * on a `cancelled` event, the request body as signed (`body`) when Ordo kept it (sealed).
 */
export type TraceEvent = ChainedEvent & { proof: string | null; receipt: string; body?: string };
/**
 * A signer's key as the directory shows it. `alg`: what it signs with (an RSA key's record must
 * give it: PS256 or RS256); without it, the one its type allows. A certified key also has its
 * chain (`x5c`, base64 DER, leaf first) and the period the chain is valid in (ISO 8601).
 */
export type DirectoryKey = { kid: string; jwk: JWK; addedAt: string; revokedAt: string | null; alg?: string; x5c?: string[]; validFrom?: string; validUntil?: string };
export type DirectoryRecord = { id: string; kind: 'prescriber' | 'pharmacy'; keys: DirectoryKey[] };
/** Whether a certified key was certified for `actor` at `atMs` (epoch ms): null if so, else why not. */
export type CertificateCheck = (key: DirectoryKey, actor: { id: string; kind: 'prescriber' | 'pharmacy' }, atMs: number) => Promise<string | null>;
export type TraceInput = {
  prescriptionId: string;
  events: TraceEvent[];
  directory: DirectoryRecord[];
  ordoJwks: { keys: JWK[] };
  issuer: string;
  /** The deployment's ORDO_TZ (default Europe/Paris) and ORDO_EARLY_DAYS (default 5), for validity and pace. */
  tz?: string;
  earlyDays?: number;
  skewSeconds?: number;
  /** Checks the chain of each event's certified key at the event's time; without it, an event signed by one fails `certificate`. */
  certificates?: CertificateCheck;
};
/**
 * Which check failed. `lifecycle`: the event breaks the rules of the state machine (an event
 * after the prescription closed, a claim not open, more than an item's total or its pace, a
 * correction by another pharmacy than the one that dispensed, of a record no longer in force, or
 * handing over more after a cancel or an expiry); `time_bound`: an event outside its time bound
 * (Ordo's own events before theirs, a request token not valid then, a correction after 24 hours);
 * `token_reuse`: one request token proves two events; `certificate`: a certified key's chain is not
 * shown valid at the event's time (no trust anchors given, another PKI's, revoked, expired).
 */
export type TraceCheck =
  | 'structure' | 'index' | 'time_order' | 'prev_hash' | 'hash' | 'proof_hash' | 'claim' | 'actor_key' | 'signature' | 'binding'
  | 'time_bound' | 'lifecycle' | 'token_reuse' | 'receipt' | 'rewritten' | 'certificate';
export type TraceFailure = { ok: false; index: number | null; check: TraceCheck; message: string };
export type TraceResult = { ok: true; events: number } | TraceFailure;

class Failure extends Error {
  constructor(readonly index: number | null, readonly check: TraceCheck, message: string) {
    super(message);
  }
}
const fail = (index: number | null, check: TraceCheck, message: string): never => {
  throw new Failure(index, check, message);
};

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ORDO_TYPES: EventType[] = ['claim_expired', 'expired'];
const WITH_CLAIM: EventType[] = ['claimed', 'released', 'dispensed', 'claim_expired', 'dispense_corrected'];
/** Events whose proof is a dispensing record. */
const RECORDS: EventType[] = ['dispensed', 'dispense_corrected'];
const WITHOUT_CLAIM: EventType[] = ['issued', 'code_rotated'];

/**
 * What a key signs with: `alg` as its directory record gives it, if its type allows that (RSA:
 * PS256 or RS256; OKP Ed25519: EdDSA; EC P-256: ES256), else the one its type allows; null when neither.
 */
export function signingAlgOf(jwk: JWK, alg?: string): string | null {
  if (alg === undefined) return algOfJwk(jwk);
  return (jwk.kty === 'RSA' ? alg === 'PS256' || alg === 'RS256' : algOfJwk(jwk) === alg) ? alg : null;
}

/** Imports each key once per verification, alg pinned to the key's type or its record's `alg` (signingAlgOf). */
function keyImporter() {
  const cache = new Map<string, Promise<CryptoKey | Uint8Array>>();
  return (kid: string, jwk: JWK, recordAlg?: string) => {
    const alg = signingAlgOf(jwk, recordAlg);
    if (!alg) throw new Error(`key ${kid} is neither Ed25519 nor P-256`);
    if (!cache.has(`${kid} ${alg}`)) cache.set(`${kid} ${alg}`, importJWK(jwk, alg));
    return { alg, key: cache.get(`${kid} ${alg}`)! };
  };
}

async function verifySigned(token: string, typ: string, kid: string, jwk: JWK, importKey: ReturnType<typeof keyImporter>, recordAlg?: string): Promise<Record<string, unknown> | string> {
  const parsed = parseCompactJws(token, typ);
  if (typeof parsed === 'string') return parsed;
  if (parsed.header.kid !== kid) return `signed with kid ${parsed.header.kid}, the event names ${kid}`;
  const { alg, key } = importKey(kid, jwk, recordAlg);
  if (parsed.header.alg !== alg) return `alg ${parsed.header.alg} does not match the key (${alg})`;
  try {
    await compactVerify(token, await key, { algorithms: [alg] });
  } catch {
    return 'the signature does not verify';
  }
  return parsed.payload;
}

/** Verifies one receipt with Ordo's keys; throws a readable Error on failure. */
export async function verifyReceipt(receipt: string, ordoJwks: { keys: JWK[] }, issuer: string, importKey = keyImporter()): Promise<{ sub: string; iat: number; evt: ReceiptEvent }> {
  const parsed = parseCompactJws(receipt, 'ordo-receipt+jwt');
  if (typeof parsed === 'string') throw new Error(`receipt refused: ${parsed}`);
  const jwk = ordoJwks.keys.find((k) => k.kid === parsed.header.kid);
  if (!jwk) throw new Error(`receipt signed by ${parsed.header.kid}, which is not among Ordo's keys`);
  const payload = await verifySigned(receipt, 'ordo-receipt+jwt', parsed.header.kid, jwk, importKey);
  if (typeof payload === 'string') throw new Error(`receipt: ${payload}`);
  if (payload.iss !== issuer) throw new Error(`receipt issued by ${String(payload.iss)}, not ${issuer}`);
  return payload as unknown as { sub: string; iat: number; evt: ReceiptEvent };
}

export async function verifyTrace(input: TraceInput): Promise<TraceResult> {
  try {
    await run(input);
    return { ok: true, events: input.events.length };
  } catch (e) {
    if (e instanceof Failure) return { ok: false, index: e.index, check: e.check, message: e.message };
    throw e;
  }
}

async function run(input: TraceInput) {
  const { events, prescriptionId: id, issuer } = input;
  const tz = input.tz ?? 'Europe/Paris';
  const skew = input.skewSeconds ?? 60;
  const earlyDays = input.earlyDays ?? 5;
  const importKey = keyImporter();
  const tokens = new Set<string>();
  let prescriber = '';
  let state: RxState | undefined;
  if (events.length === 0) fail(null, 'structure', 'the trace has no events');

  for (const [i, e] of events.entries()) {
    const prev = events[i - 1];
    const where = `event ${i} (${e.type})`;
    if (e.index !== i) fail(i, 'index', `expected index ${i}, found ${e.index}: an event is missing or out of order`);
    if (e.prescriptionId !== id) fail(i, 'structure', `${where} belongs to ${e.prescriptionId}, not ${id}`);
    if ((i === 0) !== (e.type === 'issued')) fail(i, 'structure', i === 0 ? 'the trace must start with issued' : `${where}: issued may only be event 0`);
    const at = Date.parse(e.at);
    if (!ISO.test(e.at) || Number.isNaN(at)) fail(i, 'structure', `${where}: at "${e.at}" is not an RFC 3339 time`);
    if (prev && at < Date.parse(prev.at)) fail(i, 'time_order', `${where} at ${e.at} is earlier than event ${i - 1} at ${prev.at}`);
    const expectedPrev = prev ? prev.hash : GENESIS_HASH;
    if (e.prevHash !== expectedPrev) fail(i, 'prev_hash', `${where}: prevHash ${e.prevHash} should be ${expectedPrev}`);
    if ((await proofHashOf(e.proof)) !== e.proofHash) fail(i, 'proof_hash', `${where}: the proof does not match its proofHash${e.proof === null ? ' (the proof is missing)' : ''}`);
    if ((await hashEvent(e)) !== e.hash) fail(i, 'hash', `${where}: the hash does not match the event's content`);
    if (WITH_CLAIM.includes(e.type) && !e.claim) fail(i, 'claim', `${where} must name its claim`);
    if (WITHOUT_CLAIM.includes(e.type) && e.claim !== null) fail(i, 'claim', `${where} must not name a claim`);
    if (e.body !== undefined && e.type !== 'cancelled') fail(i, 'structure', `${where}: only a cancelled event carries a body`);

    let receiptEvt: ReceiptEvent;
    try {
      const r = await verifyReceipt(e.receipt, input.ordoJwks, issuer, importKey);
      if (r.sub !== id) throw new Error(`receipt is for ${r.sub}`);
      const mismatch = (['index', 'type', 'at', 'claim', 'hash', 'prevHash'] as const).find((k) => r.evt?.[k] !== (k === 'index' ? e.index : e[k]));
      if (mismatch) throw new Error(`receipt says ${mismatch} = ${String(r.evt?.[mismatch])}, the event ${String(e[mismatch === 'index' ? 'index' : mismatch])}`);
      receiptEvt = r.evt;
    } catch (err) {
      return fail(i, 'receipt', `${where}: ${(err as Error).message}`);
    }

    let p: Record<string, unknown> = {};
    if (ORDO_TYPES.includes(e.type)) {
      if (e.actor !== 'ordo' || e.proof !== null) fail(i, 'binding', `${where} can only be recorded by Ordo, without proof`);
    } else {
      if (e.actor === 'ordo' || e.proof === null) return fail(i, 'binding', `${where} must be signed by a prescriber or a pharmacy`);
      const actor = e.actor;
      const record = input.directory.find((d) => d.id === actor.id);
      if (!record || record.kind !== actor.kind) fail(i, 'actor_key', `${where}: ${actor.kind} ${actor.id} is not in the directory given`);
      const key = record!.keys.find((k) => k.kid === actor.kid);
      if (!key) return fail(i, 'actor_key', `${where}: key ${actor.kid} is not a key of ${actor.id}`);
      if (Date.parse(key.addedAt) > at) fail(i, 'actor_key', `${where}: key ${actor.kid} was added at ${key.addedAt}, after the event`);
      if (key.revokedAt !== null && Date.parse(key.revokedAt) <= at) fail(i, 'actor_key', `${where}: key ${actor.kid} was revoked at ${key.revokedAt}, before the event`);
      await checkKeyAt(i, where, key, actor, at, input.certificates);
      const typ = e.type === 'issued' ? 'ordo-rx+jwt' : RECORDS.includes(e.type) ? 'ordo-dispense+jwt' : 'ordo-req+jwt';
      const signed = await verifySigned(e.proof!, typ, actor.kid, key.jwk, importKey, key.alg);
      if (typeof signed === 'string') return fail(i, 'signature', `${where}: ${signed}`);
      p = signed;
      const bind = (ok: boolean, what: string) => ok || fail(i, 'binding', `${where}: ${what}`);
      bind(p.iss === actor.id, `signed for ${String(p.iss)}, recorded for ${actor.id}`);
      bind(p.aud === issuer, `aud ${String(p.aud)} is not ${issuer}`);
      if (typ === 'ordo-req+jwt') {
        const iat = Number(p.iat);
        const exp = Number(p.exp);
        bind(p.htm === 'POST' && p.sub === id, 'the request token is not a POST about this prescription');
        if (!(iat - skew <= at / 1000 && at / 1000 <= exp + skew)) fail(i, 'time_bound', `${where}: the request token was not valid at ${e.at}`);
        // Ordo spends a request token once: one token cannot prove two steps.
        const use = JSON.stringify([p.iss, p.jti]);
        if (tokens.has(use)) fail(i, 'token_reuse', `${where}: request token ${String(p.jti)} already proves an earlier event`);
        tokens.add(use);
      }
      const path = e.type === 'claimed' ? '/v1/claims' : e.type === 'released' ? `/v1/claims/${e.claim}/release` : e.type === 'cancelled' ? `/v1/prescriptions/${id}/cancel` : e.type === 'code_rotated' ? `/v1/prescriptions/${id}/code` : null;
      // A renewal (a `claimed` event of the claim already open) may also come from the holder's extend; an opening only from a claim by code.
      const extend = e.type === 'claimed' && state?.claim?.id === e.claim ? `/v1/claims/${e.claim}/extend` : null;
      if (path !== null) bind(p.htu === path || (extend !== null && p.htu === extend), `htu ${String(p.htu)} is not ${extend ? `${path} or ${extend}` : path}`);
      if (e.type === 'issued') {
        bind(actor.kind === 'prescriber', 'issued by a pharmacy');
        prescriber = actor.id;
      } else if (e.type === 'cancelled' || e.type === 'code_rotated') {
        bind(actor.id === prescriber, 'not requested by the prescriber');
      } else {
        bind(actor.kind === 'pharmacy', 'not requested by a pharmacy');
      }
      if (RECORDS.includes(e.type)) bind(p.prescription === id && p.claim === e.claim, 'the dispensing record names another prescription or claim');
      // Which record it replaces is the state machine's to judge (the one in force: lifecycle); that it names one is the record's.
      if (e.type === 'dispense_corrected') bind(Number.isInteger(p.corrects) && (p.corrects as number) >= 1, 'the correction does not name the record it corrects (corrects)');
      // The cancel's body (and so the reason shown) is the one the prescriber signed: its hash is the token's bdh.
      if (e.body !== undefined) bind(typeof e.body === 'string' && (await sha256b64url(e.body)) === p.bdh, 'the body given is not the one the request token signed (bdh)');
    }

    // The rules of the lifecycle, replayed through the one state machine that Ordo decides with.
    try {
      if (e.type === 'issued') {
        const doc = p as Parameters<typeof itemTermsOf>[0] & { validUntil?: string; controlled?: boolean };
        if (!Array.isArray(doc.items)) fail(i, 'lifecycle', `${where}: the document has no items`);
        state = issuedState(itemTermsOf(doc), validityOf(doc, at, tz).expiresAt);
      } else {
        state = next(state!, lifecycleEvent(e, at, p, receiptEvt), earlyDays);
      }
    } catch (err) {
      if (!(err instanceof OrdoError)) throw err;
      fail(i, err instanceof RuleError && err.rule === 'time' ? 'time_bound' : 'lifecycle', `${where}: ${err.detail}`);
    }
  }
}

/** The key's alg, its certified period and its chain at the event's time `at` (epoch ms). */
async function checkKeyAt(i: number, where: string, key: DirectoryKey, actor: { id: string; kind: 'prescriber' | 'pharmacy' }, at: number, certificates?: CertificateCheck) {
  if (!signingAlgOf(key.jwk, key.alg)) {
    fail(i, 'actor_key', `${where}: key ${key.kid} (${String(key.jwk.kty)}) ${key.alg ? `does not sign with ${key.alg}` : 'is neither Ed25519 nor P-256, and the directory gives no alg'}`);
  }
  const before = key.validFrom !== undefined && !(Date.parse(key.validFrom) <= at);
  if (before || (key.validUntil !== undefined && !(at <= Date.parse(key.validUntil)))) {
    fail(i, 'actor_key', `${where}: key ${key.kid} is certified from ${key.validFrom ?? '-'} to ${key.validUntil ?? '-'}, not at the event`);
  }
  if (!key.x5c) return;
  if (!certificates) fail(i, 'certificate', `${where}: signed by a certified key: give the trust anchors (ordo verify --anchors FILE)`);
  const refused = await certificates!(key, actor, at).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
  if (refused !== null) fail(i, 'certificate', `${where}: key ${key.kid}: ${refused}`);
}

const linesOf = (p: Record<string, unknown>) => (Array.isArray(p.lines) ? (p.lines as DispenseLine[]) : []);

/** The event as the state machine takes it, from what was signed and what Ordo's receipt promised. */
function lifecycleEvent(e: TraceEvent, at: number, p: Record<string, unknown>, receipt: ReceiptEvent): LifecycleEvent {
  const pharmacy = e.actor === 'ordo' ? '' : e.actor.id;
  const claim = e.claim ?? '';
  switch (e.type) {
    case 'claimed':
      return { type: 'claimed', at, pharmacy, claim, until: Date.parse(receipt.claimedUntil ?? '') };
    case 'released':
      return { type: 'released', at, pharmacy, claim };
    case 'dispensed':
      return { type: 'dispensed', at, pharmacy, claim, lines: linesOf(p) };
    case 'dispense_corrected':
      return { type: 'dispense_corrected', at, pharmacy, claim, corrects: p.corrects as number, lines: linesOf(p) };
    case 'claim_expired':
      return { type: 'claim_expired', at, claim };
    case 'issued':
      throw new Error('issued starts a trace');
    default:
      return { type: e.type, at };
  }
}

/**
 * Receipts a client kept, against the trace: each must verify, and the event at its index must
 * have its hash. Two receipts for one (sub, index) with different hashes prove a rewritten history.
 */
export async function compareReceipts(kept: string[], events: TraceEvent[], ordoJwks: { keys: JWK[] }, issuer: string): Promise<TraceResult> {
  const importKey = keyImporter();
  for (const receipt of kept) {
    let r: { sub: string; evt: ReceiptEvent };
    try {
      r = await verifyReceipt(receipt, ordoJwks, issuer, importKey);
    } catch (err) {
      return { ok: false, index: null, check: 'receipt', message: `a kept receipt does not verify: ${(err as Error).message}` };
    }
    const e = events.find((x) => x.prescriptionId === r.sub && x.index === r.evt.index);
    if (!e) return { ok: false, index: r.evt.index, check: 'rewritten', message: `a kept receipt names event ${r.evt.index} of ${r.sub}, which the trace does not have` };
    if (e.hash !== r.evt.hash) return { ok: false, index: e.index, check: 'rewritten', message: `event ${e.index}: the kept receipt says hash ${r.evt.hash}, the trace ${e.hash}: history was rewritten` };
  }
  return { ok: true, events: events.length };
}

