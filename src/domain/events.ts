/** Events and their hash chain (design: "Events, hash chain and receipts"). */
import { canonicalJson, sha256b64url } from '../crypto/hash.js';

export const eventTypes = ['issued', 'claimed', 'released', 'claim_expired', 'dispensed', 'cancelled', 'code_rotated', 'expired', 'dispense_corrected'] as const;
export type EventType = (typeof eventTypes)[number];

/** The states of a prescription, as stored and as answered. */
export const prescriptionStatuses = ['active', 'claimed', 'completed', 'cancelled', 'expired'] as const;
export type PrescriptionStatus = (typeof prescriptionStatuses)[number];

/** Who signs: the two kinds of actor in the directory. */
export const actorKinds = ['prescriber', 'pharmacy'] as const;
export type ActorKind = (typeof actorKinds)[number];

/**
 * Which signed document an event's proof is, when it is one (stored sealed); null for request
 * tokens and Ordo's events. A correction's proof is a dispensing record like a dispense's.
 */
export const sealedDocOf = (type: EventType): 'rx' | 'dispense' | null =>
  type === 'issued' ? 'rx' : type === 'dispensed' || type === 'dispense_corrected' ? 'dispense' : null;

export type EventActor = { id: string; kind: ActorKind; kid: string } | 'ordo';

/** The hashed fields of an event, and its hash. */
export type ChainedEvent = {
  prescriptionId: string;
  index: number;
  type: EventType;
  /** RFC 3339 UTC with milliseconds. */
  at: string;
  actor: EventActor;
  claim: string | null;
  proofHash: string;
  prevHash: string;
  hash: string;
};

/** `prevHash` of index 0. */
export const GENESIS_HASH = 'A'.repeat(43);

export const isoAt = (ms: number): string => new Date(ms).toISOString();

/** base64url SHA-256 of the proof as signed, or of the empty string for Ordo's own events. */
export const proofHashOf = (proof: string | null): Promise<string> => sha256b64url(proof ?? '');

export async function hashEvent(e: Omit<ChainedEvent, 'hash'>): Promise<string> {
  const { prescriptionId, index, type, at, actor, claim, proofHash, prevHash } = e;
  return sha256b64url(canonicalJson({ prescriptionId, index, type, at, actor, claim, proofHash, prevHash }));
}

/** Builds the next event of a chain from the previous event's hash (or GENESIS_HASH). */
export async function chainEvent(fields: Omit<ChainedEvent, 'hash' | 'proofHash'> & { proof: string | null }): Promise<ChainedEvent> {
  const { proof, ...rest } = fields;
  const unhashed = { ...rest, proofHash: await proofHashOf(proof) };
  return { ...unhashed, hash: await hashEvent(unhashed) };
}
