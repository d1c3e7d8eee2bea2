/**
 * Correcting a dispensing record: the pharmacy that dispensed replaces its record (a lot, then
 * the quantity down and up within the totals), each correction naming the record in force; what
 * remains follows the record in force; another pharmacy's correction, a correction of a record
 * already replaced and one beyond the totals are refused; the trace verifies.
 */
import { exportTrace, verifyBundle } from '../../client/bundle.js';
import { expectEqual, expectProblem, step } from '../expect.js';
import type { Check } from '../run.js';
import { paracetamol, testPatient } from './documents.js';

const EVENTS = 6; // issued, claimed, dispensed, then three dispense_corrected

export const correctionsCheck: Check = {
  name: 'corrections',
  summary: 'dispense, correct the lot, the quantity down then up; another pharmacy 403, a replaced record 409, beyond the totals 422; the trace verifies',
  async run(t) {
    const doctor = await t.actor('prescriber', 'md');
    const a = await t.actor('pharmacy', 'ph-a');
    const b = await t.actor('pharmacy', 'ph-b', 'P-256');
    const { ordo } = t;
    // 2 boxes, one renewal: 4 in all, no pace.
    const rx = await step('issuing a prescription', ordo.as(doctor).prescribe({ patient: testPatient, renewals: 1, items: [paracetamol] }));
    const claim = await step('claiming by pharmacy A', ordo.as(a).claim(rx.code));
    const id = claim.claim.id;
    const dispensed = await step('dispensing 2 boxes, lot A1', ordo.as(a).dispense(id, rx.id, [{ item: 0, quantity: 2, lot: 'A1' }]));
    const left = (answer: { remaining: { remaining: number }[] }) => answer.remaining[0]?.remaining;
    expectEqual(left(dispensed), 2, 'boxes left after the dispense');

    const lot = await step('correcting the lot (event 2)', ordo.as(a).correct(id, rx.id, 2, [{ item: 0, quantity: 2, lot: 'A2' }]));
    expectEqual([lot.status, left(lot)], ['active', 2], 'status and boxes left after correcting the lot');
    const down = await step('correcting the quantity down to 1 (event 3)', ordo.as(a).correct(id, rx.id, 3, [{ item: 0, quantity: 1, lot: 'A2' }]));
    expectEqual(left(down), 3, 'boxes left after correcting the quantity down');
    const up = await step('correcting the quantity up to 3 (event 4)', ordo.as(a).correct(id, rx.id, 4, [{ item: 0, quantity: 3, lot: 'A2' }]));
    expectEqual(left(up), 1, 'boxes left after correcting the quantity up');

    await expectProblem("correcting pharmacy A's record by pharmacy B", ordo.as(b).correct(id, rx.id, 5, [{ item: 0, quantity: 2 }]), 'forbidden');
    await expectProblem('correcting a record already replaced (event 3)', ordo.as(a).correct(id, rx.id, 3, [{ item: 0, quantity: 2 }]), 'conflict');
    await expectProblem('correcting the quantity up beyond the total of 4', ordo.as(a).correct(id, rx.id, 5, [{ item: 0, quantity: 5 }]), 'over_dispense');

    const bundle = await step('exporting the trace', exportTrace(ordo, rx.code));
    expectEqual(bundle.events.map((e) => e.type), ['issued', 'claimed', 'dispensed', 'dispense_corrected', 'dispense_corrected', 'dispense_corrected'], 'the events of the trace');
    expectEqual(await verifyBundle(bundle, [dispensed.receipt, lot.receipt, down.receipt, up.receipt]), { ok: true, events: EVENTS }, 'the trace with the receipts kept');
  },
};
