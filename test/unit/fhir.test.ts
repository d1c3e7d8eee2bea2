/**
 * The FHIR R4 mapping (src/fhir), from the contract's sample story (a real issued, claimed and
 * dispensed prescription), every resource validated by @medplum/core against the R4 definitions.
 */
import type { MedicationDispense, MedicationRequest, Patient, Provenance, Resource, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { sample } from '../../src/contract/common.js';
import type { PrescriptionStatus } from '../../src/domain/events.js';
import { holderBundle, prescriberBundle, type OrdoBundle } from '../../src/fhir/bundle.js';
import { medicineSystems, uuidOf } from '../../src/fhir/ids.js';
import type { LookupSource, PrescriberViewSource } from '../../src/fhir/source.js';
import { bundleProblems, fhirProblems } from '../support/fhir-validator.js';

const issuer = 'https://ordo.example';
const now = '2026-11-28T10:02:00.000Z';
const prescriber = { id: sample.prescriberId, name: 'Dr Claire Roussel', profession: 'médecin', specialty: null };
const pharmacy = { id: sample.pharmacyId, name: 'Pharmacie des Lilas', profession: 'pharmacien', specialty: null };
const doctorActor = { id: sample.prescriberId, kind: 'prescriber' as const, kid: sample.prescriberKid };
const pharmacyActor = { id: sample.pharmacyId, kind: 'pharmacy' as const, kid: sample.pharmacyKid };
const at = ['2026-11-28T10:00:00.000Z', '2026-11-28T10:00:00.000Z', '2026-11-28T10:01:00.000Z'];

function lookupOf(status: PrescriptionStatus, over: Partial<LookupSource> = {}): LookupSource {
  return {
    prescription: { id: sample.prescriptionId, content: sample.content, prescriber, issuedAt: sample.at, validUntil: sample.validUntil },
    status, remaining: [{ item: 0, total: 6, dispensed: 1, remaining: 5 }], nextDueAt: '2026-12-23T10:01:00.000Z', cancelReason: null,
    events: [
      { index: 0, type: 'issued', at: at[0]!, actor: doctorActor, claim: null, proof: sample.document, hash: sample.hashes[0]!, receipt: sample.receipts[0]! },
      { index: 1, type: 'claimed', at: at[1]!, actor: pharmacyActor, claim: sample.claimId, proof: sample.claimToken, hash: sample.hashes[1]!, receipt: sample.receipts[1]! },
      { index: 2, type: 'dispensed', at: at[2]!, actor: pharmacyActor, claim: sample.claimId, proof: sample.dispensation, hash: sample.hashes[2]!, receipt: sample.receipts[2]! },
    ],
    ...over,
  };
}
/** The prescriber's view of the same story, as src/service/view.ts masks it. */
function viewOf(l: LookupSource): PrescriberViewSource {
  return {
    id: l.prescription.id, status: l.status, issuedAt: l.prescription.issuedAt, validUntil: l.prescription.validUntil, remaining: l.remaining, nextDueAt: l.nextDueAt, claimedUntil: null,
    events: l.events.map((e) => ({ index: e.index, type: e.type, at: e.at, actor: e.actor === 'ordo' || e.actor.kind === 'prescriber' ? e.actor : { kind: e.actor.kind }, claim: e.claim, hash: e.hash })),
  };
}
const holder = (l: LookupSource) => holderBundle({ issuer, now, lookup: l, pharmacies: [pharmacy] });
const ofPrescriber = (l: LookupSource) => prescriberBundle({ issuer, now, view: viewOf(l), prescriber });
const all = <T extends Resource>(b: OrdoBundle, type: T['resourceType']) => b.entry.map((e): Resource => e.resource).filter((r): r is T => r.resourceType === type);
const one = <T extends Resource>(b: OrdoBundle, type: T['resourceType']) => {
  const found = all<T>(b, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

describe('the validator is real', () => {
  const good: MedicationRequest = { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { display: 'x' }, medicationCodeableConcept: { text: 'a' } };
  it('accepts a minimal MedicationRequest', () => expect(fhirProblems(good)).toEqual([]));
  it('refuses one without subject', () => expect(fhirProblems({ ...good, subject: undefined } as unknown as Resource).join()).toMatch(/MedicationRequest\.subject.*Missing required property/));
  it('refuses a status outside its required ValueSet', () => expect(fhirProblems({ ...good, status: 'ready' } as unknown as Resource).join()).toMatch(/"ready" is not in the required ValueSet http:\/\/hl7.org\/fhir\/ValueSet\/medicationrequest-status/));
  it('refuses an unknown member, a bad instant and an extension with both value and extensions', () => {
    expect(fhirProblems({ ...good, dispensed: 2 } as unknown as Resource).join()).toMatch(/Invalid additional property/);
    const prov = { resourceType: 'Provenance', target: [{ display: 'x' }], recorded: '2026-11-28', agent: [{ who: { display: 'x' } }] };
    expect(fhirProblems(prov as Provenance).join()).toMatch(/Invalid instant/);
    expect(fhirProblems({ ...good, extension: [{ url: 'urn:x', valueInteger: 1, extension: [{ url: 'a', valueInteger: 2 }] }] }).join()).toMatch(/ext-1/);
  });
  it('refuses a Task status of another resource and a broken resource inside a Bundle', () => {
    expect(fhirProblems({ resourceType: 'Task', status: 'active', intent: 'order' } as unknown as Task).join()).toMatch(/task-status/);
    const b = holder(lookupOf('active'));
    const broken = { ...b, entry: [...b.entry, { fullUrl: 'urn:uuid:x', resource: { ...good, subject: undefined } }] };
    expect(Object.keys(bundleProblems(broken as unknown as OrdoBundle & Resource))).toContain('bundle');
  });
});

describe('ids', () => {
  it('are RFC 9562 version 8 UUIDs, stable and distinct per kind and index', () => {
    const ids = [uuidOf(sample.prescriptionId, 'task'), uuidOf(sample.prescriptionId, 'request', 0), uuidOf(sample.prescriptionId, 'request', 1), uuidOf('0000000000000000', 'task')];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(4);
    expect(uuidOf(sample.prescriptionId, 'task')).toBe(uuidOf(sample.prescriptionId, 'task'));
    // Same resources, same ids, in both readers' bundles.
    const h = holder(lookupOf('active'));
    const p = ofPrescriber(lookupOf('active'));
    expect(one<Task>(p, 'Task').id).toBe(one<Task>(h, 'Task').id);
  });
});

describe("the code holder's bundle", () => {
  const b = holder(lookupOf('active'));
  it('is valid R4, every resource', () => expect(bundleProblems(b as OrdoBundle & Resource)).toEqual({}));
  it('is a collection of urn:uuid entries whose references all resolve inside it', () => {
    expect(b).toMatchObject({ resourceType: 'Bundle', type: 'collection', timestamp: now });
    const urls = new Set(b.entry.map((e) => e.fullUrl));
    for (const e of b.entry) expect(e.fullUrl).toBe(`urn:uuid:${e.resource.id}`);
    const refs = [...JSON.stringify(b).matchAll(/"reference":"(urn:uuid:[^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(urls.has(r!), r).toBe(true);
  });
  it('maps the item, the patient, the dispensing line and the signatures', () => {
    const mr = one<MedicationRequest>(b, 'MedicationRequest');
    expect(mr).toMatchObject({
      status: 'active', intent: 'order', groupIdentifier: { value: sample.prescriptionId },
      medicationCodeableConcept: { coding: [{ system: medicineSystems.CIP13, code: '3400935955838' }], text: 'Paracétamol 1 g, comprimé' },
      dosageInstruction: [{ text: '1 comprimé 3 fois par jour' }],
      dispenseRequest: { quantity: { value: 2, unit: 'boîte' }, numberOfRepeatsAllowed: 2, validityPeriod: { end: sample.validUntil }, expectedSupplyDuration: { value: 30, code: 'd' } },
      substitution: { allowedBoolean: true },
    });
    expect(one<Patient>(b, 'Patient')).toMatchObject({ name: [{ family: 'Martin', given: ['Jeanne'] }], birthDate: '1948-03-12', gender: 'female', identifier: [{ system: 'urn:oid:1.2.250.1.213.1.4.8' }] });
    const md = one<MedicationDispense>(b, 'MedicationDispense');
    expect(md).toMatchObject({ status: 'completed', quantity: { value: 1, unit: 'boîte' }, whenHandedOver: at[2], authorizingPrescription: [{ reference: `urn:uuid:${mr.id}` }], medicationReference: { reference: '#medication' } });
    expect(md.contained).toMatchObject([{ resourceType: 'Medication', batch: { lotNumber: 'A123' } }]);
    const provs = all<Provenance>(b, 'Provenance');
    expect(provs.map((p) => p.activity?.coding?.[0]?.code)).toEqual(['issued', 'claimed', 'dispensed']);
    const decoded = provs.map((p) => p.signature!.map((s) => atob(s.data!)));
    expect(decoded).toEqual([[sample.document, sample.receipts[0]], [sample.claimToken, sample.receipts[1]], [sample.dispensation, sample.receipts[2]]]);
    expect(provs[2]!.target.map((t) => t.reference)).toContain(`urn:uuid:${md.id}`);
    expect(JSON.stringify(b)).toContain('Pharmacie des Lilas');
  });
});

describe("the prescriber's bundle", () => {
  const b = ofPrescriber(lookupOf('active'));
  it('is valid R4, every resource', () => expect(bundleProblems(b as OrdoBundle & Resource)).toEqual({}));
  it('says no more than the prescriber view: no pharmacy, patient, medicine, dispensing line nor signature', () => {
    const text = JSON.stringify(b);
    for (const secret of [sample.pharmacyId, 'Pharmacie', 'Martin', '3400935955838', 'A123', 'Paul Hamon', sample.claimToken, sample.receipts[0]!]) expect(text).not.toContain(secret);
    expect(all(b, 'Organization')).toEqual([]);
    expect(all(b, 'MedicationDispense')).toEqual([]);
    expect(all(b, 'Patient')).toEqual([]);
    const provs = all<Provenance>(b, 'Provenance');
    expect(provs.map((p) => p.agent[0]!.who.display ?? 'practitioner')).toEqual(['practitioner', 'pharmacy', 'pharmacy']);
    expect(provs.every((p) => p.signature === undefined)).toBe(true);
    expect(one<MedicationRequest>(b, 'MedicationRequest').extension?.[0]?.extension?.map((e) => e.valueUnsignedInt)).toEqual([6, 1, 5]);
  });
});

describe('every state', () => {
  const states: [PrescriptionStatus, Partial<LookupSource>, Task['status'], MedicationRequest['status']][] = [
    ['active', {}, 'ready', 'active'],
    ['claimed', { events: lookupOf('active').events.slice(0, 2), remaining: [{ item: 0, total: 6, dispensed: 0, remaining: 6 }] }, 'in-progress', 'active'],
    ['completed', { remaining: [{ item: 0, total: 6, dispensed: 6, remaining: 0 }] }, 'completed', 'completed'],
    ['cancelled', { cancelReason: 'Erreur de posologie' }, 'cancelled', 'stopped'],
    ['expired', {}, 'failed', 'stopped'],
  ];
  for (const [status, over, task, request] of states) {
    it(`${status}: Task ${task}, MedicationRequest ${request}, both bundles valid`, () => {
      const l = lookupOf(status, over);
      for (const b of [holder(l), ofPrescriber(l)]) {
        expect(bundleProblems(b as OrdoBundle & Resource)).toEqual({});
        expect(one<Task>(b, 'Task').status).toBe(task);
        expect(one<MedicationRequest>(b, 'MedicationRequest').status).toBe(request);
      }
      if (status === 'claimed') expect(one<Task>(holder(l), 'Task').owner?.reference).toMatch(/^urn:uuid:/);
      if (status === 'cancelled') {
        expect(one<Task>(holder(l), 'Task').statusReason?.text).toBe('Erreur de posologie');
        expect(JSON.stringify(ofPrescriber(l))).not.toContain('Erreur de posologie');
      }
    });
  }
  it('a sealed document that does not open: valid, its elements absent for error, no Patient', () => {
    const l = lookupOf('active');
    const b = holder({ ...l, prescription: { ...l.prescription, content: null }, events: l.events.map((e) => (e.index === 2 ? { ...e, proof: null } : e)) });
    expect(bundleProblems(b as OrdoBundle & Resource)).toEqual({});
    expect(all(b, 'Patient')).toEqual([]);
    expect(all(b, 'MedicationDispense')).toEqual([]);
    expect(JSON.stringify(one<MedicationRequest>(b, 'MedicationRequest').medicationCodeableConcept)).toContain('"valueCode":"error"');
  });
});
