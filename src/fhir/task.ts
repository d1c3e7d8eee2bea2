/** The prescription's state as a Task, and each event of its trace as a Provenance. */
import type { Patient, Provenance, Reference, Signature, Task } from '@medplum/fhirtypes';
import type { EventType, PrescriptionStatus } from '../domain/events.js';
import type { PartyRef } from './parties.js';
import { NEXT_DUE_AT, ORDO_EVENT_TYPE, ORDO_STATUS, PARTICIPANT_TYPE, SIGNATURE_TYPE, uuidOf, type Systems } from './ids.js';

/**
 * In the spirit of the E-Rezept Task: active → `ready`, claimed → `in-progress`, completed →
 * `completed`, cancelled → `cancelled`. Expired → `failed`: nobody cancelled it, it ran out of
 * time before it was all dispensed; `cancelled` stays the prescriber's act, and a client can
 * tell the two apart by status alone. Ordo's own status is in `businessStatus`.
 */
export const taskStatus: Record<PrescriptionStatus, Task['status']> = { active: 'ready', claimed: 'in-progress', completed: 'completed', cancelled: 'cancelled', expired: 'failed' };

export type TaskFacts = {
  rxId: string;
  systems: Systems;
  status: PrescriptionStatus;
  stopReason: string | null;
  issuedAt: string;
  validUntil: string;
  lastModified: string;
  nextDueAt: string | null;
  requests: Reference[];
  requester: PartyRef;
  patient?: Reference<Patient>;
  /** The pharmacy holding the claim, when the reader may know it. */
  owner?: PartyRef;
  notes?: string;
};

export function taskOf(f: TaskFacts): Task {
  return {
    resourceType: 'Task',
    id: uuidOf(f.rxId, 'task'),
    ...(f.nextDueAt && { extension: [{ url: NEXT_DUE_AT, valueDateTime: f.nextDueAt }] }),
    identifier: [{ system: f.systems.prescription, value: f.rxId }],
    basedOn: f.requests,
    groupIdentifier: { system: f.systems.prescription, value: f.rxId },
    status: taskStatus[f.status],
    ...(f.stopReason && (f.status === 'cancelled' || f.status === 'expired') && { statusReason: { text: f.stopReason } }),
    businessStatus: { coding: [{ system: ORDO_STATUS, code: f.status }], text: f.status },
    intent: 'order',
    ...(f.patient && { for: f.patient }),
    authoredOn: f.issuedAt,
    lastModified: f.lastModified,
    requester: f.requester,
    ...(f.owner && { owner: f.owner }),
    ...(f.notes && { note: [{ text: f.notes }] }),
    restriction: { period: { start: f.issuedAt, end: f.validUntil } },
  };
}

/** base64 (with padding) of a compact JWS, which is ASCII. */
const base64 = (text: string) => btoa(text);

/**
 * A JWS as a FHIR Signature. The actor's (the signed document, or the request token that
 * authorised the step) is an author's signature; Ordo's receipt, acknowledging the event at its
 * time in the chain, a timestamp signature.
 */
export function signatureOf(jws: string, by: 'author' | 'ordo', when: string, who: PartyRef): Signature {
  const type = by === 'author' ? { code: '1.2.840.10065.1.12.1.1', display: "Author's Signature" } : { code: '1.2.840.10065.1.12.1.18', display: 'Timestamp Signature' };
  return { type: [{ system: SIGNATURE_TYPE, ...type }], when, who, sigFormat: 'application/jose', data: base64(jws) };
}

export type ProvenanceFacts = {
  rxId: string;
  index: number;
  type: EventType;
  at: string;
  /** Who acted, as the reader may know them (a pharmacy as `{ display: "pharmacy" }` to the prescriber). */
  agent: PartyRef;
  byOrdo: boolean;
  targets: Reference[];
  signatures: Signature[];
};

export function provenanceOf(f: ProvenanceFacts): Provenance {
  return {
    resourceType: 'Provenance',
    id: uuidOf(f.rxId, 'provenance', f.index),
    target: f.targets,
    recorded: f.at,
    activity: { coding: [{ system: ORDO_EVENT_TYPE, code: f.type }], text: f.type },
    agent: [{ type: { coding: [{ system: PARTICIPANT_TYPE, code: f.byOrdo ? 'custodian' : 'author' }] }, who: f.agent }],
    ...(f.signatures.length > 0 && { signature: f.signatures }),
  };
}
