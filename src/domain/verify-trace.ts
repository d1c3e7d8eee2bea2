/**
 * The trace verifier: given a prescription's events (proofs opened), the directory records of
 * its signers and Ordo's JWKS, it checks everything a verifier can check offline, years later,
 * and reports the first failure precisely. Runtime-neutral: the CLI, pages and Workers use it.
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import type { ReceiptEvent } from '../crypto/ordo-keys.js';
import { parseCompactJws } from '../crypto/jws.js';
import { addDays, addMonths, endOfDay, localDate } from './calendar.js';
import { GENESIS_HASH, hashEvent, proofHashOf, type ChainedEvent, type EventType } from './events.js';

/** An event as a verifier receives it: its hashed fields, its proof (opened) and its receipt. */
export type TraceEvent = ChainedEvent & { proof: string | null; receipt: string };
export type DirectoryKey = { kid: string; jwk: JWK; addedAt: string; revokedAt: string | null };
export type DirectoryRecord = { id: string; kind: 'prescriber' | 'pharmacy'; keys: DirectoryKey[] };
export type TraceInput = {
  prescriptionId: string;
  events: TraceEvent[];
  directory: DirectoryRecord[];
  ordoJwks: { keys: JWK[] };
  issuer: string;
  tz?: string;
  skewSeconds?: number;
};
export type TraceCheck = 'structure' | 'index' | 'time_order' | 'prev_hash' | 'hash' | 'proof_hash' | 'claim' | 'actor_key' | 'signature' | 'binding' | 'time_bound' | 'receipt' | 'rewritten';
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
const algOf = (jwk: JWK) => (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' ? 'EdDSA' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : null);
const ORDO_TYPES: EventType[] = ['claim_expired', 'expired'];
const WITH_CLAIM: EventType[] = ['claimed', 'released', 'dispensed', 'claim_expired'];
const WITHOUT_CLAIM: EventType[] = ['issued', 'code_rotated'];

/** Imports each key once per verification, alg pinned to the key's type. */
function keyImporter() {
  const cache = new Map<string, Promise<CryptoKey | Uint8Array>>();
  return (kid: string, jwk: JWK) => {
    const alg = algOf(jwk);
    if (!alg) throw new Error(`key ${kid} is neither Ed25519 nor P-256`);
    if (!cache.has(kid)) cache.set(kid, importJWK(jwk, alg));
    return { alg, key: cache.get(kid)! };
  };
}

async function verifySigned(token: string, typ: string, kid: string, jwk: JWK, importKey: ReturnType<typeof keyImporter>): Promise<Record<string, unknown> | string> {
  const parsed = parseCompactJws(token, typ);
  if (typeof parsed === 'string') return parsed;
  if (parsed.header.kid !== kid) return `signed with kid ${parsed.header.kid}, the event names ${kid}`;
  const { alg, key } = importKey(kid, jwk);
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
  const importKey = keyImporter();
  const claims = new Map<string, { pharmacy: string; open: boolean; until: number }>();
  let prescriber = '';
  let rx: Record<string, unknown> = {};
  let issuedAt = 0;
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
      const typ = e.type === 'issued' ? 'ordo-rx+jwt' : e.type === 'dispensed' ? 'ordo-dispense+jwt' : 'ordo-req+jwt';
      const p = await verifySigned(e.proof!, typ, actor.kid, key.jwk, importKey);
      if (typeof p === 'string') return fail(i, 'signature', `${where}: ${p}`);
      const bind = (ok: boolean, what: string) => ok || fail(i, 'binding', `${where}: ${what}`);
      bind(p.iss === actor.id, `signed for ${String(p.iss)}, recorded for ${actor.id}`);
      bind(p.aud === issuer, `aud ${String(p.aud)} is not ${issuer}`);
      if (typ === 'ordo-req+jwt') {
        const iat = Number(p.iat);
        const exp = Number(p.exp);
        bind(p.htm === 'POST' && p.sub === id, 'the request token is not a POST about this prescription');
        if (!(iat - skew <= at / 1000 && at / 1000 <= exp + skew)) fail(i, 'time_bound', `${where}: the request token was not valid at ${e.at}`);
      }
      const claim = e.claim ? claims.get(e.claim) : undefined;
      switch (e.type) {
        case 'issued':
          bind(actor.kind === 'prescriber', 'issued by a pharmacy');
          prescriber = actor.id;
          rx = p;
          issuedAt = at;
          break;
        case 'claimed': {
          bind(p.htu === '/v1/claims' && actor.kind === 'pharmacy', 'not a claim request by a pharmacy');
          if (claim) bind(claim.open && claim.pharmacy === actor.id, 'renews a claim that is not open for this pharmacy');
          else bind(![...claims.values()].some((c) => c.open), 'opens a claim while another is open');
          claims.set(e.claim!, { pharmacy: actor.id, open: true, until: Date.parse(receiptEvt.claimedUntil ?? '') });
          break;
        }
        case 'released':
          bind(p.htu === `/v1/claims/${e.claim}/release`, `htu ${String(p.htu)} does not release claim ${e.claim}`);
          bind(!!claim && claim.open && claim.pharmacy === actor.id, 'releases a claim that is not open for this pharmacy');
          claim!.open = false;
          break;
        case 'dispensed':
          bind(p.prescription === id && p.claim === e.claim, 'the dispensing record names another prescription or claim');
          bind(!!claim && claim.open && claim.pharmacy === actor.id, 'dispenses under a claim that is not open for this pharmacy');
          claim!.open = false;
          break;
        case 'cancelled':
        case 'code_rotated': {
          const path = e.type === 'cancelled' ? 'cancel' : 'code';
          bind(p.htu === `/v1/prescriptions/${id}/${path}` && actor.id === prescriber, `not a ${path} request by the prescriber`);
          if (e.type === 'cancelled') for (const c of claims.values()) c.open = false;
          break;
        }
      }
    }
    if (e.type === 'claim_expired') {
      const claim = claims.get(e.claim!);
      if (!claim || !claim.open) return fail(i, 'binding', `${where}: claim ${e.claim} is not open`);
      if (!(at >= claim.until)) fail(i, 'time_bound', `${where} at ${e.at} comes before the claim's expiry ${new Date(claim.until).toISOString()}`);
      claim.open = false;
    }
    if (e.type === 'expired') {
      const legal = localDate(issuedAt, tz);
      const validUntil = typeof rx.validUntil === 'string' ? rx.validUntil : rx.controlled === true ? addDays(legal, 28) : addMonths(legal, 3);
      const end = endOfDay(validUntil, tz);
      if (at < end) fail(i, 'time_bound', `${where} at ${e.at} comes before the end of validUntil ${validUntil} (${new Date(end).toISOString()})`);
      for (const c of claims.values()) c.open = false;
    }
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

