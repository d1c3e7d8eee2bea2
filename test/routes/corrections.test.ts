/**
 * Correcting a dispensing record (POST /v1/claims/{claimId}/correct) through the front door:
 * the pharmacy that dispensed replaces its record within 24 hours, what was dispensed is recounted
 * from the records in force (totals and pace, at the time of the dispense), the state follows;
 * the lookup, the timeline, the FHIR export and the verifier show it; every refusal writes nothing.
 */
import type { MedicationDispense, Provenance, Resource } from '@medplum/fhirtypes';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { timelineEntries } from '../../src/client/bundle.js';
import { signDocument } from '../../src/client/sign.js';
import type { V1Dispensed, V1Lookup } from '../../src/contract/index.js';
import { endOfDay, localDate } from '../../src/domain/calendar.js';
import type { OrdoBundle } from '../../src/fhir/bundle.js';
import { bundleProblems } from '../support/fhir-validator.js';
import { issue, withCast, type TestActor } from '../support/harness.js';
import { cancel, claim, dispense, dispenseRecord, snapshot, type Line } from '../support/redeem.js';
import { lookupByCode, verifyByCode, verifyLookup } from '../support/trace.js';

const { h, doctor, pharmacy: pharmA } = await withCast();
const pharmB = await h.addActor('pharmacy', { keyType: 'P-256' });
const HOUR = 3_600_000;

/** 2 boxes per delivery, one renewal: 4 in all; no pace. */
const unpaced = { items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3/j', quantity: 2, unit: 'boîte', renewals: 1 }] };

const correctionRecord = (who: TestActor, rxId: string, claimId: string, corrects: number | undefined, lines: Line[], over: Record<string, unknown> = {}) =>
  dispenseRecord(h, who, rxId, claimId, lines, { ...(corrects !== undefined && { corrects }), ...over });

async function send(who: TestActor, rxId: string, claimId: string, jws: string, sub = rxId) {
  const res = await h.call(who, 'POST', `/v1/claims/${claimId}/correct`, { body: { dispensation: jws }, sub });
  return { status: res.status, body: (await res.json()) as V1Dispensed & { code?: string; detail?: string; [k: string]: unknown } };
}
const correct = async (who: TestActor, rxId: string, claimId: string, corrects: number | undefined, lines: Line[], over: Record<string, unknown> = {}) =>
  ({ ...(await send(who, rxId, claimId, await correctionRecord(who, rxId, claimId, corrects, lines, over))) });

/** Issued, claimed by A and dispensed by A: the claim id and the dispense's answer. */
async function dispensed(lines: Line[], doc: Record<string, unknown> = unpaced) {
  const rx = await issue(h, doctor, doc);
  const c = await claim(h, pharmA, rx.code);
  const d = await dispense(h, pharmA, rx.id, c.body.claim.id, lines);
  expect(d.status, JSON.stringify(d.body)).toBe(201);
  return { rx, claimId: c.body.claim.id, answer: d.body };
}
const left = (b: { remaining: { remaining: number }[] }) => b.remaining.map((r) => r.remaining);

describe('correcting a dispensing record', () => {
  it('a wrong lot: a new event, nothing erased, the counts unchanged; the lookup opens it and the trace verifies', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2, lot: 'A123' }]);
    const c = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 2, lot: 'A124' }]);
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body).toMatchObject({ status: 'active', remaining: [{ item: 0, total: 4, dispensed: 2, remaining: 2, dispensableNow: 2 }], nextDueAt: null });
    expect(decodeJwt(c.body.receipt)).toMatchObject({ sub: rx.id, evt: { index: 3, type: 'dispense_corrected', claim: claimId } });
    const look = (await lookupByCode(h, rx.code)).body;
    expect(look.events.map((e) => e.type)).toEqual(['issued', 'claimed', 'dispensed', 'dispense_corrected']);
    expect(look.events[3]).toMatchObject({ actor: { id: pharmA.id, kind: 'pharmacy', kid: pharmA.key.kid }, claim: claimId });
    expect(decodeJwt(look.events[3]!.proof!)).toMatchObject({ corrects: 2, lines: [{ lot: 'A124' }] });
    expect(decodeJwt(look.events[2]!.proof!)).toMatchObject({ lines: [{ lot: 'A123' }] });
    expect(look.remaining).toMatchObject([{ dispensed: 2, remaining: 2 }]);
    expect(await verifyLookup(h, look)).toEqual({ ok: true, events: 4 });
  });

  it('a quantity keyed in wrong: down reopens a completed prescription, up again within the totals completes it', async () => {
    const { rx, claimId, answer } = await dispensed([{ item: 0, quantity: 4 }]);
    expect(answer.status).toBe('completed');
    const down = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 3 }]);
    expect([down.status, down.body.status, left(down.body)]).toEqual([201, 'active', [1]]);
    const up = await correct(pharmA, rx.id, claimId, 3, [{ item: 0, quantity: 4 }]);
    expect([up.status, up.body.status, left(up.body)]).toEqual([201, 'completed', [0]]);
    const again = await correct(pharmA, rx.id, claimId, 4, [{ item: 0, quantity: 2 }]);
    expect([again.body.status, left(again.body)]).toEqual(['active', [2]]);
    // Reopened: the rest can be claimed and dispensed as usual.
    const c2 = await claim(h, pharmB, rx.code);
    expect(c2.status).toBe(201);
    expect((await dispense(h, pharmB, rx.id, c2.body.claim.id, [{ item: 0, quantity: 2 }])).body.status).toBe('completed');
    expect(await verifyByCode(h, rx.code)).toEqual({ ok: true, events: 8 });
  });

  it('up beyond the total is over_dispense; a substitution of a non-substitutable item is refused; nothing written', async () => {
    const doc = { items: [{ ...unpaced.items[0], substitutable: false, substitutionReason: 'MTE' }] };
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }], doc);
    const before = snapshot(h, rx.id);
    expect(await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 5 }])).toMatchObject({ status: 422, body: { code: 'over_dispense', item: 0, remaining: 4 } });
    expect(await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1, substitution: { type: 'generic' } }])).toMatchObject({ status: 422, body: { code: 'substitution_forbidden' } });
    expect(await correct(pharmA, rx.id, claimId, 2, [{ item: 1, quantity: 1 }])).toMatchObject({ status: 422, body: { code: 'unknown_item', item: 1 } });
    expect(snapshot(h, rx.id)).toEqual(before);
  });

  it('recounts the pace from the records in force, each at the time of its own dispense', async () => {
    // 2 boxes every 30 days: the first delivery (whatever its parts) may take 2.
    const paced = { items: [{ ...unpaced.items[0], supplyDays: 30, renewals: 2 }] };
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 1 }], paced);
    h.advance(HOUR);
    const c2 = await claim(h, pharmB, rx.code);
    expect((await dispense(h, pharmB, rx.id, c2.body.claim.id, [{ item: 0, quantity: 1 }])).status).toBe(201);
    const second = h.clock.now;
    h.advance(HOUR);
    // 2 at the first dispense, then 1 an hour later: 3 within the first period is ahead of the pace.
    const ahead = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 2 }]);
    expect(ahead).toMatchObject({ status: 422, body: { code: 'not_yet_due', item: 0 } });
    // Down to nothing (a reason), the first box is B's: the pace now starts at B's dispense.
    const none = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 0, reason: 'patient_refused' }]);
    expect([none.status, left(none.body)]).toEqual([201, [5]]);
    expect(JSON.parse((await h.row<{ progress: string }>('select progress from prescriptions where id = ?', rx.id))!.progress)).toEqual([{ dispensed: 1, firstAt: second }]);
    expect(await verifyByCode(h, rx.code)).toEqual({ ok: true, events: 6 });
  });

  it('leaves a claim opened meanwhile as it is, by this pharmacy or another', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const held = await claim(h, pharmB, rx.code);
    const c = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]);
    expect([c.status, c.body.status, left(c.body)]).toEqual([201, 'claimed', [3]]);
    const row = await h.row<{ claim_id: string; claim_pharmacy: string; claim_expires_at: number }>('select claim_id, claim_pharmacy, claim_expires_at from prescriptions where id = ?', rx.id);
    expect(row).toEqual({ claim_id: held.body.claim.id, claim_pharmacy: pharmB.id, claim_expires_at: Date.parse(held.body.claim.expiresAt) });
    expect((await dispense(h, pharmB, rx.id, held.body.claim.id, [{ item: 0, quantity: 3 }])).body).toMatchObject({ status: 'completed' });
  });

  it('after a cancel: may lower what was dispensed or fix a lot, not raise it (410 cancelled, with the reason)', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2, lot: 'A1' }]);
    expect((await cancel(h, doctor, rx.id, 'Erreur de posologie')).status).toBe(200);
    const raised = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 3 }]);
    expect(raised).toMatchObject({ status: 410, body: { code: 'cancelled', reason: 'Erreur de posologie' } });
    const lot = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 2, lot: 'A2' }]);
    expect([lot.status, lot.body.status]).toEqual([201, 'cancelled']);
    const lowered = await correct(pharmA, rx.id, claimId, 4, [{ item: 0, quantity: 1, lot: 'A2' }]);
    expect([lowered.status, lowered.body.status, lowered.body.remaining[0]!.dispensed]).toEqual([201, 'cancelled', 1]);
    expect(await verifyByCode(h, rx.code)).toEqual({ ok: true, events: 6 });
  });

  it('after expiry: the same (410 expired to raise)', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }], { ...unpaced, validUntil: localDate(h.clock.now, 'Europe/Paris') });
    h.clock.now = endOfDay(localDate(h.clock.now, 'Europe/Paris'), 'Europe/Paris') + 1000;
    expect(await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 3 }])).toMatchObject({ status: 410, body: { code: 'expired' } });
    // The refused correction still recorded the expiry it found due (as any step does), at index 3.
    const lowered = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]);
    expect([lowered.status, lowered.body.status]).toEqual([201, 'expired']);
    expect((await lookupByCode(h, rx.code)).body.events.map((e) => e.type)).toEqual(['issued', 'claimed', 'dispensed', 'expired', 'dispense_corrected']);
    expect(await verifyByCode(h, rx.code)).toEqual({ ok: true, events: 5 });
  });

  it('a retry of the same record answers the original with 200; another record under its jti is 409', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const jws = await correctionRecord(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }], { jti: 'c-retry-1' });
    const first = await send(pharmA, rx.id, claimId, jws);
    expect(first.status).toBe(201);
    const retry = await send(pharmA, rx.id, claimId, jws);
    expect(retry).toEqual({ status: 200, body: first.body });
    const other = await correctionRecord(pharmA, rx.id, claimId, 3, [{ item: 0, quantity: 2 }], { jti: 'c-retry-1' });
    expect(await send(pharmA, rx.id, claimId, other)).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect((await lookupByCode(h, rx.code)).body.events).toHaveLength(4);
  });
});

describe('with the rest of Ordo', () => {
  it('copies of one correction sent at once: one is recorded (201), the other answers it (200)', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const jws = await correctionRecord(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]);
    const answers = await Promise.all([send(pharmA, rx.id, claimId, jws), send(pharmA, rx.id, claimId, jws)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(answers[0]!.body.receipt).toBe(answers[1]!.body.receipt);
    expect((await lookupByCode(h, rx.code)).body.events).toHaveLength(4);
  });

  it('a code rotation re-seals the correction too: the new code opens it and the trace verifies', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2, lot: 'A1' }]);
    await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 2, lot: 'A2' }]);
    const rotated = (await (await h.call(doctor, 'POST', `/v1/prescriptions/${rx.id}/code`, { body: { rotate: true }, sub: rx.id })).json()) as { code: string };
    const look = (await lookupByCode(h, rotated.code)).body;
    expect(decodeJwt(look.events[3]!.proof!)).toMatchObject({ corrects: 2, lines: [{ lot: 'A2' }] });
    expect(await verifyLookup(h, look)).toEqual({ ok: true, events: 5 });
    // And a later correction is still judged on the records it re-sealed.
    expect((await correct(pharmA, rx.id, claimId, 3, [{ item: 0, quantity: 1, lot: 'A2' }])).status).toBe(201);
  });

  it('the event feed carries the correction to the prescriber and the pharmacy', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]);
    for (const reader of [doctor, pharmA]) {
      const page = (await (await h.call(reader, 'GET', '/v1/feed?limit=500')).json()) as { events: { prescriptionId: string; type: string; index: number }[] };
      expect(page.events.filter((e) => e.prescriptionId === rx.id).map((e) => [e.index, e.type]).at(-1)).toEqual([3, 'dispense_corrected']);
    }
  });
});

describe('refusals, each writing nothing', () => {
  it('404 unknown claim; 401 sub not the claim’s prescription; 403 another pharmacy; 409 nothing dispensed; 409 not the record in force', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const before = snapshot(h, rx.id);
    expect(await correct(pharmA, rx.id, 'Tm8tc3VjaC1jbGFpbS1oZXJl', 2, [{ item: 0, quantity: 1 }])).toMatchObject({ status: 404, body: { code: 'not_found' } });
    const other = await issue(h, doctor, unpaced);
    expect((await send(pharmA, rx.id, claimId, await correctionRecord(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]), other.id)).status).toBe(401);
    const byB = await correct(pharmB, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]);
    expect(byB).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(byB.body.detail).toMatch(/another pharmacy/i);
    expect(await correct(pharmA, rx.id, claimId, 1, [{ item: 0, quantity: 1 }])).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(snapshot(h, rx.id)).toEqual(before);
    // A claim under which nothing was dispensed has nothing to correct.
    const held = await claim(h, pharmA, rx.code);
    expect(await correct(pharmA, rx.id, held.body.claim.id, 2, [{ item: 0, quantity: 1 }])).toMatchObject({ status: 409, body: { code: 'conflict' } });
    // Once corrected, the dispense's record is no longer in force: the detail names the one that is.
    expect((await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }])).status).toBe(201);
    const stale = await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 2 }]);
    expect(stale).toMatchObject({ status: 409, body: { code: 'conflict' } });
    expect(stale.body.detail).toContain('event 4');
  });

  it('401 without a request token, 403 for a prescriber, 400 for a body failing its schema', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const before = snapshot(h, rx.id);
    const body = { dispensation: await correctionRecord(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]) };
    const noToken = await h.call(null, 'POST', `/v1/claims/${claimId}/correct`, { body });
    expect([noToken.status, ((await noToken.json()) as { code: string }).code]).toEqual([401, 'unauthenticated']);
    const byPrescriber = await h.call(doctor, 'POST', `/v1/claims/${claimId}/correct`, { body, sub: rx.id });
    expect([byPrescriber.status, ((await byPrescriber.json()) as { code: string }).code]).toEqual([403, 'forbidden']);
    const extra = await h.call(pharmA, 'POST', `/v1/claims/${claimId}/correct`, { body: { ...body, corrects: 2 }, sub: rx.id });
    expect([extra.status, ((await extra.json()) as { code: string }).code]).toEqual([400, 'bad_request']);
    expect(snapshot(h, rx.id)).toEqual(before);
  });

  it('422 correction_too_late more than 24 hours after the dispense, with correctableUntil', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const dispensedAt = (await lookupByCode(h, rx.code)).body.events[2]!.at;
    h.clock.now = Date.parse(dispensedAt) + 24 * HOUR;
    expect((await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }])).status).toBe(201);
    h.advance(1);
    const before = snapshot(h, rx.id);
    const late = await correct(pharmA, rx.id, claimId, 3, [{ item: 0, quantity: 2 }]);
    expect(late).toMatchObject({ status: 422, body: { code: 'correction_too_late', correctableUntil: new Date(Date.parse(dispensedAt) + 24 * HOUR).toISOString() } });
    expect(snapshot(h, rx.id)).toEqual(before);
  });

  it('422 invalid_document: a dispense naming a record it corrects, a correction naming none, another prescription or claim, dispensedAt out of its window', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const before = snapshot(h, rx.id);
    const c2 = await claim(h, pharmA, rx.code);
    const withCorrects = await dispense(h, pharmA, rx.id, c2.body.claim.id, [{ item: 0, quantity: 1 }], { corrects: 2 });
    expect(withCorrects).toMatchObject({ status: 422, body: { code: 'invalid_document', errors: [{ path: 'corrects' }] } });
    const none = await correct(pharmA, rx.id, claimId, undefined, [{ item: 0, quantity: 1 }]);
    expect(none).toMatchObject({ status: 422, body: { code: 'invalid_document', errors: [{ path: 'corrects' }] } });
    expect(await correct(pharmA, rx.id, claimId, 0, [{ item: 0, quantity: 1 }])).toMatchObject({ status: 422, body: { code: 'invalid_document' } });
    const other = await issue(h, doctor, unpaced);
    expect(await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }], { prescription: other.id })).toMatchObject({ status: 422, body: { code: 'invalid_document' } });
    expect(await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }], { claim: c2.body.claim.id })).toMatchObject({ status: 422, body: { code: 'invalid_document' } });
    const future = new Date(h.clock.now + 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }], { dispensedAt: future })).toMatchObject({ status: 422, body: { code: 'invalid_document', errors: [{ path: 'dispensedAt' }] } });
    const rows = snapshot(h, rx.id) as { events: { n: number } };
    expect(rows.events.n).toBe((before as { events: { n: number } }).events.n + 1); // the second claim only
  });

  it("judges dispensedAt from the dispense it corrects: 72 hours before it, not before now", async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const dispensedAt = Date.parse((await lookupByCode(h, rx.code)).body.events[2]!.at);
    h.advance(20 * HOUR);
    const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
    expect((await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }], { dispensedAt: at(dispensedAt - 71 * HOUR) })).status).toBe(201);
    expect(await correct(pharmA, rx.id, claimId, 3, [{ item: 0, quantity: 1 }], { dispensedAt: at(dispensedAt - 73 * HOUR) })).toMatchObject({ status: 422, body: { code: 'invalid_document', errors: [{ path: 'dispensedAt' }] } });
  });

  it('a record signed with another key than the caller’s is bad_signature', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    const forged = await signDocument(pharmB.key, 'ordo-dispense+jwt', decodeJwt(await correctionRecord(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }])));
    expect(await send(pharmA, rx.id, claimId, forged)).toMatchObject({ status: 422, body: { code: 'bad_signature' } });
  });
});

describe('what readers see', () => {
  it('the timeline marks the corrected entry and gives the correction its lines and what it corrects', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]);
    await correct(pharmA, rx.id, claimId, 3, [{ item: 0, quantity: 2, lot: 'B7' }]);
    const look = (await lookupByCode(h, rx.code)).body as V1Lookup;
    const directory = [{ id: pharmA.id, kind: 'pharmacy' as const, keys: [], name: 'Pharmacie des Lilas' }];
    const entries = timelineEntries({ events: look.events, directory });
    expect(entries.slice(2).map(({ index, type, corrects, correctedBy, lines }) => ({ index, type, corrects, correctedBy, quantities: lines.map((l) => l.quantity) }))).toEqual([
      { index: 2, type: 'dispensed', corrects: undefined, correctedBy: 3, quantities: [2] },
      { index: 3, type: 'dispense_corrected', corrects: 2, correctedBy: 4, quantities: [1] },
      { index: 4, type: 'dispense_corrected', corrects: 3, correctedBy: undefined, quantities: [2] },
    ]);
    expect(entries[4]!.lines[0]).toMatchObject({ label: 'Paracétamol 1 g', unit: 'boîte', quantity: 2 });
  });

  it('FHIR: the replaced records’ MedicationDispenses are entered-in-error, the one in force completed; every resource valid', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2, lot: 'A1' }]);
    await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1, lot: 'A2' }]);
    const res = await h.send('POST', '/v1/lookup/fhir', { body: JSON.stringify({ code: rx.code }) });
    const bundle = (await res.json()) as OrdoBundle;
    expect(res.status).toBe(200);
    expect(bundleProblems(bundle as OrdoBundle & Resource)).toEqual({});
    const resources = bundle.entry.map((e) => e.resource);
    const dispenses = resources.filter((r): r is MedicationDispense & { id: string } => r.resourceType === 'MedicationDispense');
    const provenances = resources.filter((r): r is Provenance & { id: string } => r.resourceType === 'Provenance');
    const correction = provenances.find((p) => p.activity?.coding?.[0]?.code === 'dispense_corrected')!;
    expect(dispenses.map((d) => [d.status, d.quantity?.value, d.contained?.[0]?.resourceType === 'Medication' && (d.contained[0] as { batch?: { lotNumber?: string } }).batch?.lotNumber])).toEqual([
      ['entered-in-error', 2, 'A1'],
      ['completed', 1, 'A2'],
    ]);
    expect(dispenses[0]!.eventHistory).toEqual([{ reference: `urn:uuid:${correction.id}` }]);
    // The goods were handed over at the dispense: the correction does not move that time.
    expect(dispenses[1]!.whenHandedOver).toBe(dispenses[0]!.whenHandedOver);
    expect(correction.target.map((t) => t.reference)).toContain(`urn:uuid:${dispenses[1]!.id}`);
    expect(correction.signature?.map((s) => s.type[0]!.display)).toEqual(["Author's Signature", 'Timestamp Signature']);
  });

  it('the prescriber sees the correction as an event, the pharmacy by kind only', async () => {
    const { rx, claimId } = await dispensed([{ item: 0, quantity: 2 }]);
    await correct(pharmA, rx.id, claimId, 2, [{ item: 0, quantity: 1 }]);
    const view = (await (await h.call(doctor, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id })).json()) as { events: { type: string; actor: unknown }[]; remaining: { dispensed: number }[] };
    expect(view.events.at(-1)).toMatchObject({ type: 'dispense_corrected', actor: { kind: 'pharmacy' } });
    expect(view.events.at(-1)!.actor).toEqual({ kind: 'pharmacy' });
    expect(view.remaining[0]!.dispensed).toBe(1);
  });
});

it('the correction route is in the OpenAPI document with its operationId, its example and correction_too_late', async () => {
  const doc = (await (await h.send('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string; tags: string[]; responses: Record<string, { content?: Record<string, { examples?: Record<string, unknown> }> }> }>> };
  const op = doc.paths['/v1/claims/{claimId}/correct']!.post!;
  expect([op.operationId, op.tags]).toEqual(['correctDispensation', ['Pharmacy']]);
  expect(Object.keys(op.responses['422']!.content!['application/problem+json']!.examples!)).toContain('correction_too_late');
});
