/** Who takes part: the patient, the prescriber, the pharmacies, and Ordo itself. */
import type { CodeableConcept, Device, Organization, Patient, Practitioner, Reference, Resource } from '@medplum/fhirtypes';
import type { PrescriptionPayload } from '../domain/prescription.js';
import { DATA_ABSENT_REASON, uuidOf, type Systems } from './ids.js';
import type { DirectoryActor } from './source.js';

/** Who acts or signs: every FHIR element naming one accepts these three. */
export type PartyRef = Reference<Practitioner | Organization | Device>;

export const ref = <T extends Resource = Resource>(id: string, display?: string): Reference<T> => ({ reference: `urn:uuid:${id}`, ...(display && { display }) });

/**
 * An element Ordo does not give this reader: `masked` where the view it mirrors withholds it
 * (the prescriber's view has no patient nor medicine), `error` where the sealed document did not
 * open (damaged storage).
 */
export const absent = (why: 'masked' | 'error'): Reference<Patient> & CodeableConcept => ({ extension: [{ url: DATA_ABSENT_REASON, valueCode: why }] });

/** The patient as the prescription document names them. The INS keeps its OID as system. */
export function patientOf(rxId: string, p: PrescriptionPayload['patient']): Patient {
  return {
    resourceType: 'Patient',
    id: uuidOf(rxId, 'patient'),
    ...(p.ins && { identifier: [{ system: `urn:oid:${p.ins.oid}`, value: p.ins.value }] }),
    name: [{ family: p.family, given: p.given }],
    ...(p.sex && { gender: p.sex }),
    birthDate: p.birthDate,
  };
}

/** The prescriber from the directory (not from the document's `prescriber` text, which they typed). */
export function practitionerOf(rxId: string, a: DirectoryActor, systems: Systems): Practitioner {
  const qualification = [a.profession, a.specialty].filter((q): q is string => typeof q === 'string').map((text) => ({ code: { text } }));
  return {
    resourceType: 'Practitioner',
    id: uuidOf(rxId, 'practitioner'),
    identifier: [{ system: systems.actor, value: a.id }],
    ...(a.name && { name: [{ text: a.name }] }),
    ...(qualification.length > 0 && { qualification }),
  };
}

/** A pharmacy of the trace, numbered in order of first appearance (stable: a trace only grows). */
export function pharmacyOf(rxId: string, n: number, a: DirectoryActor, systems: Systems): Organization {
  return { resourceType: 'Organization', id: uuidOf(rxId, 'pharmacy', n), identifier: [{ system: systems.actor, value: a.id }], ...(a.name && { name: a.name }) };
}

/** Ordo: the author of its own events (claim_expired, expired) and the signer of every receipt. */
export function ordoOf(rxId: string, issuer: string): Device {
  return { resourceType: 'Device', id: uuidOf(rxId, 'ordo'), deviceName: [{ name: 'Ordo', type: 'user-friendly-name' }], url: issuer };
}
