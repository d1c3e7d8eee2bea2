/**
 * Identities in Ordo's FHIR bundles: the fullUrl and id of every resource, and the URIs of the
 * identifier and code systems. Ids are stable: the same prescription exported twice (by its
 * prescriber or its code holder, before or after more events) names each resource alike, so an
 * integrator can update what it stored rather than duplicate it.
 */
import { decodeId } from '../domain/code.js';
import type { CodeSystem } from '../domain/formats.js';

/** What each resource of a prescription's bundle is, the 8 bits beside the id in its UUID. */
export const kinds = { task: 1, patient: 2, practitioner: 3, ordo: 4, request: 5, dispense: 6, provenance: 7, pharmacy: 8 } as const;
export type ResourceKind = keyof typeof kinds;

/**
 * A UUID (RFC 9562 version 8, the custom layout) that is a function of the prescription id, the
 * resource's kind and an index (the item, the event, …): its 122 free bits hold the id's 80 bits,
 * the kind's 8 and the index's 34. No hash, so nothing to compute twice and no collisions.
 */
export function uuidOf(prescriptionId: string, kind: ResourceKind, index = 0): string {
  const id = decodeId(prescriptionId);
  if (!id) throw new Error(`not a prescription id: ${prescriptionId}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= 2 ** 34) throw new RangeError(`index out of range: ${index}`);
  let v = 0n;
  for (const b of id) v = (v << 8n) | BigInt(b);
  v = (((v << 8n) | BigInt(kinds[kind])) << 34n) | BigInt(index);
  const u = ((v >> 74n) << 80n) | (8n << 76n) | (((v >> 62n) & 0xfffn) << 64n) | (2n << 62n) | (v & ((1n << 62n) - 1n));
  const hex = u.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The identifier systems of one Ordo: its ids are unique within it, so the systems name it. */
export function systemsOf(issuer: string) {
  return {
    /** A prescription's id; GET `{system}/{value}` is its prescriber's view. */
    prescription: `${issuer}/v1/prescriptions`,
    /** An actor's id in the directory; GET `{system}/{value}` is its public entry. */
    actor: `${issuer}/v1/directory`,
    /** An item of a prescription: `{prescription id}.{item index}`, the index as in `remaining`. */
    item: `${issuer}/fhir/sid/item`,
  };
}
export type Systems = ReturnType<typeof systemsOf>;

/** Ordo's own code systems and extensions: the same on every deployment, so a client can switch on them. */
export const ORDO_EVENT_TYPE = 'urn:ordo:fhir:event-type';
export const ORDO_STATUS = 'urn:ordo:fhir:status';
export const ITEM_PROGRESS = 'urn:ordo:fhir:item-progress';
export const NEXT_DUE_AT = 'urn:ordo:fhir:next-due-at';
export const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
export const SIGNATURE_TYPE = 'urn:iso-astm:E1762-95:2013';
export const PARTICIPANT_TYPE = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
export const SUBSTITUTION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-substanceAdminSubstitution';
export const UCUM = 'http://unitsofmeasure.org';

/**
 * The FHIR system of each medicine code system Ordo accepts. CIP13 and UCD: the ANS terminology
 * server's CIP/UCD system (as the French FHIR document IG names it); ATC: the WHO's, as FHIR R4
 * names it. CIP7 and LPP have no FHIR system we could confirm: they keep their code under an
 * Ordo URN rather than lose it. `text` has no code: the label is the concept's text.
 */
export const medicineSystems: Record<Exclude<CodeSystem, 'text'>, string> = {
  CIP13: 'https://smt.esante.gouv.fr/terminologie-cip_ucd',
  UCD: 'https://smt.esante.gouv.fr/terminologie-cip_ucd',
  ATC: 'http://www.whocc.no/atc',
  CIP7: 'urn:ordo:fhir:code-system:CIP7',
  LPP: 'urn:ordo:fhir:code-system:LPP',
};
