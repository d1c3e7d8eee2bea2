/**
 * Rows as the services see them ↔ rows as stored (design § Storage). Stored, an event keeps
 * only what cannot be derived, in binary: hashes as 32 bytes, the instant as epoch ms, the actor
 * as `kind ‖ kid ‖ id`, a request token packed, a sealed document as its IV, ciphertext and tag,
 * the receipt as its signature. Reading rebuilds every value byte for byte. Writing checks each
 * packed value against the original and keeps the original whenever they would differ, so
 * packing never loses anything; rows written before packing are read as they are.
 */
import { buildReceipt, splitReceipt, type ReceiptSigner } from '../crypto/receipt.js';
import { packHash, packJwe, packJws, packText, unpackHash, unpackJwe, unpackJws, unpackText } from '../crypto/pack.js';
import type { CryptoSuite } from '../crypto/suite/types.js';
import { GENESIS_HASH, isoAt, sealedDocOf, type EventType } from '../domain/events.js';
import type * as s from './schema.js';

/** What the codec needs of the runtime: its DEFLATE, and SHA-256 to rebuild a request token's proof hash. */
export type Packer = Pick<CryptoSuite, 'deflateRaw' | 'sha256'>;

export type StoredEvent = typeof s.events.$inferSelect;
export type StoredPrescription = typeof s.prescriptions.$inferSelect;
export type StoredDispensation = typeof s.dispensations.$inferSelect;

type Texts<T, K extends keyof T> = Omit<T, K> & { [P in K]: null extends T[P] ? string | null : string };
/** A prescription as the services see it: hashes, MACs and sealed records as text. */
export type PrescriptionRow = Texts<StoredPrescription, 'docMac' | 'headHash' | 'terms' | 'cancelReason'>;
export type DispensationRow = Texts<StoredDispensation, 'mac' | 'answer'>;
type Stored = Omit<StoredEvent, 'seq'>;

/** An event as the services see it: every value in its text form. */
export type EventRow = {
  prescriptionId: string;
  idx: number;
  seq: number;
  type: EventType;
  at: string;
  /** JSON: `{ id, kind, kid }` or the string `"ordo"`. */
  actor: string;
  claim: string | null;
  /** The request token, or the signed document sealed (compact JWE), or null. */
  proof: string | null;
  proofHash: string;
  prevHash: string;
  hash: string;
  receipt: string;
};
export type NewEvent = Omit<EventRow, 'seq'>;

const b64 = unpackHash;
const utf8 = new TextEncoder();
const text = new TextDecoder();

// ------------------------------------------------------------------ small values

/** A hash as 32 bytes, or as it is. */
export const packHashOr = (h: string): Uint8Array | string => packHash(h) ?? h;
export const unpackHashOf = (v: Uint8Array | string | number): string => (typeof v === 'string' ? v : v instanceof Uint8Array ? b64(v) : String(v));

const packAt = (at: string): number | string => {
  const ms = Date.parse(at);
  return Number.isFinite(ms) && isoAt(ms) === at ? ms : at;
};
/** An instant as stored (epoch ms, or the text of a row from before packing), as RFC 3339. */
export const unpackAt = (v: Uint8Array | string | number): string => (typeof v === 'number' ? readable(() => isoAt(v), String(v)) : typeof v === 'string' ? v : text.decode(v));

/**
 * What a damaged stored value reads as: a text no check accepts, so the verifier reports the
 * event it belongs to (design § Damaged storage) instead of the read failing.
 */
export const UNREADABLE = 'unreadable';
function readable<T>(read: () => T, otherwise: T): T {
  try {
    return read();
  } catch {
    return otherwise;
  }
}

const KINDS = ['prescriber', 'pharmacy'] as const;

/** `kind (1 prescriber, 2 pharmacy) ‖ kid (32 bytes) ‖ id (UTF-8)`, or the JSON text as it is. */
function packActor(json: string): Uint8Array | string {
  try {
    const a = JSON.parse(json) as { id?: unknown; kind?: unknown; kid?: unknown };
    if (typeof a !== 'object' || a === null || typeof a.id !== 'string' || typeof a.kid !== 'string') return json;
    const kind = KINDS.indexOf(a.kind as (typeof KINDS)[number]);
    const kid = packHash(a.kid);
    if (kind < 0 || !kid || JSON.stringify({ id: a.id, kind: a.kind, kid: a.kid }) !== json) return json;
    const id = utf8.encode(a.id);
    const out = new Uint8Array(33 + id.length);
    out[0] = kind + 1;
    out.set(kid, 1);
    out.set(id, 33);
    return out;
  } catch {
    return json;
  }
}

function unpackActor(v: Uint8Array | string | number): string {
  if (!(v instanceof Uint8Array)) return String(v);
  const kind = KINDS[v[0]! - 1];
  if (!kind || v.length < 33) return JSON.stringify(UNREADABLE);
  return JSON.stringify({ id: text.decode(v.subarray(33)), kind, kid: b64(v.subarray(1, 33)) });
}

/** Format byte of a packed request token. */
const TOKEN_V1 = 1;

function packToken(p: Packer, token: string): Uint8Array | string {
  const packed = packJws(p, token);
  if (!packed) return token;
  const out = new Uint8Array(packed.length + 1);
  out[0] = TOKEN_V1;
  out.set(packed, 1);
  return out;
}

function unpackToken(v: Uint8Array): string {
  if (v[0] !== TOKEN_V1) throw new Error('stored request token: unknown form');
  return unpackJws(v.subarray(1));
}

/** A sealed record (JWE) of this prescription, packed; or its text when it does not pack. */
export const packSealed = (jwe: string, rx: string, doc: string): Uint8Array | string => packJwe(jwe, { rx, doc }) ?? jwe;
export const unpackSealed = (v: Uint8Array | string, rx: string, doc: string): string => (typeof v === 'string' ? v : unpackJwe(v, { rx, doc }));

const textOf = (v: Uint8Array | string): string => (typeof v === 'string' ? v : b64(v));

// ------------------------------------------------------------------ prescriptions, dispensations

/** The columns of a prescription (all of them, or a state patch) as stored. */
export function packPrescription<T extends Partial<PrescriptionRow>>(id: string, r: T): T {
  const out: Record<string, unknown> = { ...r };
  if (r.docMac !== undefined) out.docMac = packHashOr(r.docMac);
  if (r.headHash !== undefined) out.headHash = packHashOr(r.headHash);
  if (r.terms !== undefined) out.terms = packSealed(r.terms, id, 'terms');
  if (r.cancelReason !== undefined && r.cancelReason !== null) out.cancelReason = packSealed(r.cancelReason, id, 'cancel');
  return out as T;
}

export function unpackPrescription(r: StoredPrescription): PrescriptionRow {
  return {
    ...r,
    docMac: textOf(r.docMac),
    headHash: textOf(r.headHash),
    terms: readable(() => unpackSealed(r.terms, r.id, 'terms'), UNREADABLE),
    cancelReason: r.cancelReason === null ? null : readable(() => unpackSealed(r.cancelReason!, r.id, 'cancel'), UNREADABLE),
  };
}

export const packDispensation = (p: Packer, d: DispensationRow): StoredDispensation => ({ ...d, mac: packHashOr(d.mac), answer: packText(p, d.answer) });

export const unpackDispensation = (p: Packer, d: StoredDispensation): DispensationRow => ({
  ...d,
  mac: textOf(d.mac),
  answer: typeof d.answer === 'string' ? d.answer : readable(() => unpackText(d.answer as Uint8Array), UNREADABLE),
});

// ------------------------------------------------------------------ events

/** The number of a receipt signer (table receipt_signers), known by the time a transition is packed. */
export type SignerIds = (signer: ReceiptSigner) => number;

/** An event's receipt split into its signer, its claimedUntil and its signature, or null when it would not rebuild from them (it is then stored as text). */
export type ReceiptSplit = ReturnType<typeof splitReceipt>;

export const receiptSplitOf = (e: NewEvent): ReceiptSplit =>
  Number.isFinite(Date.parse(e.at)) ? splitReceipt(e.receipt, e.prescriptionId, receiptEventOf(e), iatOf(e.at)) : null;

/** The signers receipt_signers must number before these events are packed. */
export const signersIn = (splits: ReceiptSplit[]): ReceiptSigner[] => splits.flatMap((split) => (split ? [split.signer] : []));

const receiptEventOf = (e: NewEvent) => ({ index: e.idx, type: e.type, at: e.at, claim: e.claim, hash: e.hash, prevHash: e.prevHash });
const iatOf = (at: string) => Math.floor(Date.parse(at) / 1000);

/**
 * An event as stored; `previousHash` is the hash of the event before it (GENESIS_HASH at index
 * 0), `split` its receipt's (receiptSplitOf), whose signer `signerIds` numbers.
 */
export function packEvent(p: Packer, e: NewEvent, previousHash: string, split: ReceiptSplit, signerIds: SignerIds): Stored {
  const doc = sealedDocOf(e.type);
  let proof: Uint8Array | string | null = e.proof;
  let proofHash: Uint8Array | string | null = packHashOr(e.proofHash);
  if (e.proof !== null && doc) {
    proof = packSealed(e.proof, e.prescriptionId, doc);
  } else if (e.proof !== null) {
    proof = packToken(p, e.proof);
  }
  // A request token's (or no proof's) hash is the hash of the proof itself: not stored.
  if (!doc && b64(p.sha256(utf8.encode(e.proof ?? ''))) === e.proofHash) proofHash = null;
  const claimedUntil = split?.claimedUntil === undefined ? null : packAt(split.claimedUntil);
  const compact = split && (split.claimedUntil === undefined || typeof claimedUntil === 'number');
  return {
    prescriptionId: e.prescriptionId,
    idx: e.idx,
    type: e.type,
    at: packAt(e.at),
    actor: packActor(e.actor),
    claim: e.claim,
    proof,
    proofHash,
    prevHash: e.prevHash === previousHash ? null : packHashOr(e.prevHash),
    hash: packHashOr(e.hash),
    receipt: compact ? null : e.receipt,
    receiptSig: compact ? split.signature : null,
    receiptSigner: compact ? signerIds(split.signer) : null,
    claimedUntil: compact ? (claimedUntil as number | null) : null,
  };
}

/** Looks up a receipt signer by its number. */
export type SignerOf = (id: number) => Promise<ReceiptSigner>;

/**
 * Events of one prescription as the services see them, from stored rows in index order;
 * `previousHash` is the hash of the event before the first row (needed when it is not index 0).
 */
export async function unpackEvents(p: Packer, rows: StoredEvent[], signerOf: SignerOf, previousHash?: string): Promise<EventRow[]> {
  const out: EventRow[] = [];
  let prev = previousHash;
  for (const r of rows) {
    const at = unpackAt(r.at);
    // Unknown only when the event before is missing from the database: the verifier then says so.
    const prevHash = r.prevHash !== null ? unpackHashOf(r.prevHash) : r.idx === 0 ? GENESIS_HASH : (prev ?? UNREADABLE);
    const doc = sealedDocOf(r.type);
    const stored = r.proof;
    const proof =
      stored === null ? null
      : typeof stored === 'string' ? stored
      : stored instanceof Uint8Array ? readable(() => (doc ? unpackSealed(stored, r.prescriptionId, doc) : unpackToken(stored)), UNREADABLE)
      : String(stored);
    const proofHash = r.proofHash !== null ? unpackHashOf(r.proofHash) : b64(p.sha256(utf8.encode(proof ?? '')));
    const hash = unpackHashOf(r.hash);
    const e: EventRow = {
      prescriptionId: r.prescriptionId, idx: r.idx, seq: r.seq, type: r.type, at, actor: unpackActor(r.actor), claim: r.claim,
      proof, proofHash, prevHash, hash, receipt: '',
    };
    if (r.receipt !== null) {
      e.receipt = r.receipt;
    } else if (r.receiptSig instanceof Uint8Array && r.receiptSigner !== null) {
      const signer = await signerOf(r.receiptSigner).catch(() => null);
      const claimedUntil = r.claimedUntil === null ? undefined : readable(() => isoAt(r.claimedUntil!), UNREADABLE);
      const evt = { ...receiptEventOf(e), ...(claimedUntil !== undefined && { claimedUntil }) };
      e.receipt = signer ? buildReceipt(signer, r.prescriptionId, evt, iatOf(at), r.receiptSig) : UNREADABLE;
    } else {
      e.receipt = UNREADABLE;
    }
    out.push(e);
    prev = hash;
  }
  return out;
}

/** The pharmacy of a stored `claimed` event's actor. */
/** An event's public facts (the feed's): `previousHash` is the hash of the event before it, read beside it. */
export function unpackFeedRow(r: Pick<StoredEvent, 'prescriptionId' | 'idx' | 'seq' | 'type' | 'at' | 'actor' | 'claim' | 'hash' | 'prevHash'>, previousHash: Uint8Array | string | number | null) {
  const prevHash = r.prevHash !== null ? unpackHashOf(r.prevHash) : r.idx === 0 ? GENESIS_HASH : previousHash !== null ? unpackHashOf(previousHash) : UNREADABLE;
  return { prescriptionId: r.prescriptionId, idx: r.idx, seq: r.seq, type: r.type, at: unpackAt(r.at), actor: unpackActor(r.actor), claim: r.claim, hash: unpackHashOf(r.hash), prevHash };
}

export const actorIdOf = (actor: Uint8Array | string | number): string => (JSON.parse(unpackActor(actor)) as { id: string }).id;
