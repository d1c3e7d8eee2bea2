/**
 * The two bundles: the prescriber's (from their view) and the code holder's (from the lookup).
 *
 * Type `collection`: a snapshot of related resources, not the result of a search (`searchset`
 * would promise search semantics and `entry.search`) nor a signed `document` (which needs a
 * Composition first). Every fullUrl is `urn:uuid:` with a stable UUID (ids.ts), the resource's
 * id the same UUID: references resolve inside the bundle, and nothing pretends to be a URL Ordo
 * serves.
 */
import type { Bundle, Device, MedicationDispense, MedicationRequest, Organization, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { dispensingRecordSchema } from '../domain/dispensation.js';
import { prescriptionPayloadSchema } from '../domain/prescription.js';
import { itemTermsOf } from '../domain/terms.js';
import { decodeBase64url } from '../lib/base64url.js';
import { systemsOf, uuidOf } from './ids.js';
import { dispenseOf, requestOf } from './medication.js';
import { absent, ordoOf, patientOf, pharmacyOf, practitionerOf, ref, type PartyRef } from './parties.js';
import type { DirectoryActor, ExportContext, LookupSource, PrescriberViewSource } from './source.js';
import { provenanceOf, signatureOf, taskOf } from './task.js';

/** The Bundle Ordo answers: always a collection, every entry with its fullUrl and an identified resource. */
export type OrdoBundle = Omit<Bundle, 'type' | 'timestamp' | 'entry'> & { type: 'collection'; timestamp: string; entry: { fullUrl: string; resource: Resource & { id: string } }[] };

const collection = (now: string, resources: Resource[]): OrdoBundle => ({
  resourceType: 'Bundle',
  type: 'collection',
  timestamp: now,
  entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource: { ...resource, id: resource.id! } })),
});

const CANCELLED_BY_PRESCRIBER = 'cancelled by its prescriber';
const expiredReason = (validUntil: string) => `expired: valid until ${validUntil}, not all of it was dispensed`;

/**
 * The prescriber's bundle: exactly what their view says. No patient and no medicine (the view
 * has neither: `masked`), no pharmacy (a pharmacy acts as `{ display: "pharmacy" }`), no
 * MedicationDispense (the view has what was dispensed per item, in the item-progress extension,
 * not the dispensing lines), no signatures (the view's events have no proofs nor receipts).
 */
export function prescriberBundle(ctx: ExportContext & { view: PrescriberViewSource; prescriber: DirectoryActor }): OrdoBundle {
  const { view: v } = ctx;
  const systems = systemsOf(ctx.issuer);
  const practitioner = practitionerOf(v.id, ctx.prescriber, systems);
  const ordo = ordoOf(v.id, ctx.issuer);
  const requester = ref<Practitioner>(practitioner.id!);
  const stopReason = v.status === 'cancelled' ? CANCELLED_BY_PRESCRIBER : v.status === 'expired' ? expiredReason(v.validUntil) : null;
  const requests = v.remaining.map((remaining) =>
    requestOf({ rxId: v.id, systems, status: v.status, issuedAt: v.issuedAt, validUntil: v.validUntil, stopReason, subject: absent('masked'), requester, remaining, why: 'masked' }),
  );
  const task = taskOf({
    rxId: v.id, systems, status: v.status, stopReason, issuedAt: v.issuedAt, validUntil: v.validUntil, lastModified: v.events.at(-1)?.at ?? v.issuedAt,
    nextDueAt: v.nextDueAt, requests: requests.map((r) => ref(r.id!)), requester,
  });
  const provenances = v.events.map((e) => {
    const byOrdo = e.actor === 'ordo';
    const agent: PartyRef = byOrdo ? ref<Device>(ordo.id!, 'Ordo') : e.actor !== 'ordo' && e.actor.kind === 'prescriber' ? requester : { display: 'pharmacy' };
    const targets = [ref(task.id!), ...(e.type === 'issued' ? requests.map((r) => ref(r.id!)) : [])];
    return provenanceOf({ rxId: v.id, index: e.index, type: e.type, at: e.at, agent, byOrdo, targets, signatures: [] });
  });
  return collection(ctx.now, [task, ...requests, practitioner, ordo, ...provenances]);
}

const utf8 = new TextDecoder();
/** The payload of a compact JWS Ordo accepted (and so parsed) before; null if it no longer parses. */
function payloadOf(jws: string): unknown {
  try {
    return JSON.parse(utf8.decode(decodeBase64url(jws.split('.')[1] ?? '')));
  } catch {
    return null;
  }
}

/**
 * The code holder's bundle: what the lookup shows, in FHIR. The patient, the medicines and the
 * dispensing lines from the signed documents; the pharmacies by their directory entries; every
 * event a Provenance signed by its actor's JWS (the proof) and Ordo's receipt. A sealed record
 * that did not open (damaged storage) leaves out what it held: `error` for the document's
 * elements, no MedicationDispense for a dispensing record, no author signature.
 */
export function holderBundle(ctx: ExportContext & { lookup: LookupSource; pharmacies: DirectoryActor[] }): OrdoBundle {
  const { lookup: l } = ctx;
  const rx = l.prescription;
  const systems = systemsOf(ctx.issuer);
  const parsed = rx.content === null ? null : prescriptionPayloadSchema.safeParse(rx.content);
  const doc = parsed?.success ? parsed.data : null;
  const terms = doc ? itemTermsOf(doc) : [];
  const patient = doc ? patientOf(rx.id, doc.patient) : null;
  const subject = patient ? ref<Patient>(patient.id!) : absent('error');
  const practitioner = practitionerOf(rx.id, rx.prescriber, systems);
  const ordo = ordoOf(rx.id, ctx.issuer);
  const requester = ref<Practitioner>(practitioner.id!);
  const orgs = new Map(ctx.pharmacies.map((p, n) => [p.id, pharmacyOf(rx.id, n, p, systems)]));
  const who = (actor: LookupSource['events'][number]['actor']): PartyRef =>
    actor === 'ordo' ? ref<Device>(ordo.id!, 'Ordo') : actor.kind === 'prescriber' ? requester : orgs.has(actor.id) ? ref<Organization>(orgs.get(actor.id)!.id!) : { display: actor.id };

  const stopReason = l.status === 'cancelled' ? (l.cancelReason ?? CANCELLED_BY_PRESCRIBER) : l.status === 'expired' ? expiredReason(rx.validUntil) : null;
  const requests = l.remaining.map((remaining) => {
    const signed = doc?.items[remaining.item];
    const item = signed && { signed, renewals: terms[remaining.item]!.renewals };
    return requestOf({ rxId: rx.id, systems, status: l.status, issuedAt: rx.issuedAt, validUntil: rx.validUntil, stopReason, subject, requester, remaining, ...(item ? { item } : { why: 'error' as const }) });
  });

  // Each dispensing record's lines; a record a correction replaced is `entered-in-error`, and its
  // lines name the correction's Provenance in `eventHistory`. A correction keeps the handover
  // time of the dispense it corrects.
  const dispensesByEvent = new Map<number, MedicationDispense[]>();
  const inForce = new Map<string, { index: number; at: string }>();
  for (const e of l.events) {
    if ((e.type !== 'dispensed' && e.type !== 'dispense_corrected') || e.proof === null) continue;
    const record = dispensingRecordSchema.safeParse(payloadOf(e.proof));
    const replaced = e.type === 'dispense_corrected' && e.claim !== null ? inForce.get(e.claim) : undefined;
    if (e.claim !== null) inForce.set(e.claim, { index: e.index, at: replaced?.at ?? e.at });
    for (const old of replaced ? (dispensesByEvent.get(replaced.index) ?? []) : []) Object.assign(old, { status: 'entered-in-error', eventHistory: [ref(uuidOf(rx.id, 'provenance', e.index))] });
    if (!record.success) continue;
    const performers = [who(e.actor), ...(record.data.dispensedBy ? [{ display: record.data.dispensedBy.name ?? record.data.dispensedBy.id! }] : [])];
    dispensesByEvent.set(
      e.index,
      record.data.lines.map((line, n) =>
        dispenseOf({
          id: uuidOf(rx.id, 'dispense', e.index * 64 + n), line, item: doc?.items[line.item], request: ref<MedicationRequest>(uuidOf(rx.id, 'request', line.item)),
          subject, performers, handedOverAt: record.data.dispensedAt ?? replaced?.at ?? e.at,
        }),
      ),
    );
  }

  const lastClaim = l.events.findLast((e) => e.type === 'claimed');
  const task = taskOf({
    rxId: rx.id, systems, status: l.status, stopReason, issuedAt: rx.issuedAt, validUntil: rx.validUntil, lastModified: l.events.at(-1)?.at ?? rx.issuedAt,
    nextDueAt: l.nextDueAt, requests: requests.map((r) => ref(r.id!)), requester, ...(patient && { patient: ref<Patient>(patient.id!) }),
    ...(l.status === 'claimed' && lastClaim && { owner: who(lastClaim.actor) }), ...(doc?.notes && { notes: doc.notes }),
  });
  const provenances = l.events.map((e) => {
    const agent = who(e.actor);
    const targets = [ref(task.id!), ...(e.type === 'issued' ? requests : (dispensesByEvent.get(e.index) ?? [])).map((r) => ref(r.id!))];
    const signatures = [...(e.proof !== null && e.actor !== 'ordo' ? [signatureOf(e.proof, 'author', e.at, agent)] : []), signatureOf(e.receipt, 'ordo', e.at, ref<Device>(ordo.id!, 'Ordo'))];
    return provenanceOf({ rxId: rx.id, index: e.index, type: e.type, at: e.at, agent, byOrdo: e.actor === 'ordo', targets, signatures });
  });
  const dispenses = [...dispensesByEvent.values()].flat();
  return collection(ctx.now, [task, ...requests, ...dispenses, ...(patient ? [patient] : []), practitioner, ...orgs.values(), ordo, ...provenances]);
}
