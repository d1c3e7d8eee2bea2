/** Items as MedicationRequest, dispensing lines as MedicationDispense. */
import type { CodeableConcept, Extension, Medication, MedicationDispense, MedicationRequest } from '@medplum/fhirtypes';
import type { RemainingEntry } from '../domain/accounting.js';
import type { DispensingLine } from '../domain/dispensation.js';
import type { PrescriptionStatus } from '../domain/events.js';
import type { MedicineCode } from '../domain/medicine-code.js';
import type { PrescriptionPayload } from '../domain/prescription.js';
import { ITEM_PROGRESS, medicineSystems, SUBSTITUTION_TYPE, UCUM, uuidOf, type Systems } from './ids.js';
import { absent } from './parties.js';

type Item = PrescriptionPayload['items'][number];

/** A medicine code as a concept: its coding (system mapped, see ids.ts) and the label as text. */
export function conceptOf(code: MedicineCode, label?: string): CodeableConcept {
  if (code.system === 'text') return { text: code.value };
  return { coding: [{ system: medicineSystems[code.system], code: code.value, ...(label && { display: label }) }], ...(label && { text: label }) };
}

/**
 * An item's status: `completed` once all of it was dispensed; while the prescription is open,
 * `active`; cancelled, `cancelled` if none of it was dispensed and `stopped` if some was; expired,
 * `stopped` (halted before it was all dispensed, see the Task's reason).
 */
export function requestStatus(status: PrescriptionStatus, r: RemainingEntry): MedicationRequest['status'] {
  if (r.remaining === 0) return 'completed';
  if (status === 'active' || status === 'claimed') return 'active';
  if (status === 'cancelled' && r.dispensed === 0) return 'cancelled';
  return 'stopped';
}

/** Ordo's per-item accounting (the `remaining` entry), as an extension: FHIR R4 has no element for it. */
const progressOf = (r: RemainingEntry): Extension => ({
  url: ITEM_PROGRESS,
  extension: [{ url: 'total', valueUnsignedInt: r.total }, { url: 'dispensed', valueUnsignedInt: r.dispensed }, { url: 'remaining', valueUnsignedInt: r.remaining }],
});

export type RequestFacts = {
  rxId: string;
  systems: Systems;
  status: PrescriptionStatus;
  issuedAt: string;
  validUntil: string;
  /** Why it stopped: the cancel reason, or the expiry. */
  stopReason: string | null;
  subject: MedicationRequest['subject'];
  requester: NonNullable<MedicationRequest['requester']>;
  remaining: RemainingEntry;
  /** The item as signed, with its renewals resolved; absent when the reader may not see it (`why`). */
  item?: { signed: Item; renewals: number };
  why?: 'masked' | 'error';
};

export function requestOf(f: RequestFacts): MedicationRequest {
  const i = f.remaining.item;
  const status = requestStatus(f.status, f.remaining);
  const signed = f.item?.signed;
  return {
    resourceType: 'MedicationRequest',
    id: uuidOf(f.rxId, 'request', i),
    extension: [progressOf(f.remaining)],
    identifier: [{ system: f.systems.item, value: `${f.rxId}.${i}` }],
    groupIdentifier: { system: f.systems.prescription, value: f.rxId },
    status,
    ...((status === 'cancelled' || status === 'stopped') && f.stopReason && { statusReason: { text: f.stopReason } }),
    intent: 'order',
    ...(signed ? { medicationCodeableConcept: conceptOf(signed.code, signed.label) } : { medicationCodeableConcept: absent(f.why ?? 'masked') }),
    subject: f.subject,
    authoredOn: f.issuedAt,
    requester: f.requester,
    ...(signed?.notes && { note: [{ text: signed.notes }] }),
    ...(signed && { dosageInstruction: [{ text: signed.dosage }] }),
    dispenseRequest: {
      // A calendar date as `end`: validUntil is inclusive, the whole day.
      validityPeriod: { start: f.issuedAt, end: f.validUntil },
      ...(f.item && { numberOfRepeatsAllowed: f.item.renewals, quantity: { value: f.item.signed.quantity, unit: f.item.signed.unit } }),
      ...(signed?.supplyDays && { expectedSupplyDuration: { value: signed.supplyDays, unit: 'days', system: UCUM, code: 'd' } }),
    },
    ...(signed && { substitution: { allowedBoolean: signed.substitutable, ...(signed.substitutionReason && { reason: { text: signed.substitutionReason } }) } }),
  };
}

const substitutionCodes = { generic: ['G', 'generic composition'], biosimilar: ['EC', 'equivalent composition'] } as const;

function substitutionOf(line: DispensingLine): MedicationDispense['substitution'] {
  if (!line.substitution) return { wasSubstituted: false };
  const { type, reason } = line.substitution;
  const code = type === 'other' ? undefined : substitutionCodes[type];
  return {
    wasSubstituted: true,
    type: { ...(code && { coding: [{ system: SUBSTITUTION_TYPE, code: code[0], display: code[1] }] }), text: type },
    ...(reason && { reason: [{ text: reason }] }),
  };
}

export type DispenseFacts = {
  id: string;
  line: DispensingLine;
  /** The item it dispenses, as signed; undefined for a line the prescription does not have (never accepted). */
  item: Item | undefined;
  request: NonNullable<MedicationDispense['authorizingPrescription']>[number];
  subject: NonNullable<MedicationDispense['subject']>;
  performers: NonNullable<MedicationDispense['performer']>[number]['actor'][];
  handedOverAt: string;
};

/**
 * One dispensing line. The medicine is the code dispensed (or the item's); with a lot or an
 * expiry it is a contained Medication, where R4 keeps a batch. A line of quantity 0 is `declined`
 * with its reason.
 */
export function dispenseOf(f: DispenseFacts): MedicationDispense {
  const { line, item } = f;
  const code = line.dispensed ?? item?.code;
  const same = !line.dispensed || (item && line.dispensed.system === item.code.system && line.dispensed.value === item.code.value);
  const concept: CodeableConcept = code ? conceptOf(code, same ? item?.label : undefined) : { text: `item ${line.item}` };
  const batch = line.lot || line.expiry ? { ...(line.lot && { lotNumber: line.lot }), ...(line.expiry && { expirationDate: line.expiry }) } : undefined;
  const contained: Medication | undefined = batch && { resourceType: 'Medication', id: 'medication', code: concept, batch };
  const delivered = line.quantity > 0;
  return {
    resourceType: 'MedicationDispense',
    id: f.id,
    ...(contained && { contained: [contained] }),
    status: delivered ? 'completed' : 'declined',
    ...(!delivered && line.reason && { statusReasonCodeableConcept: { text: line.reason } }),
    ...(contained ? { medicationReference: { reference: '#medication' } } : { medicationCodeableConcept: concept }),
    subject: f.subject,
    performer: f.performers.map((actor) => ({ actor })),
    authorizingPrescription: [f.request],
    quantity: { value: line.quantity, ...(item && { unit: item.unit }) },
    ...(delivered && { whenHandedOver: f.handedOverAt }),
    ...(line.note && { note: [{ text: line.note }] }),
    substitution: substitutionOf(line),
  };
}
