/**
 * The whole story on the deployment: issue, claim, claimed elsewhere, dispense, claim by another
 * pharmacy, complete; the exported trace verifies with the receipts kept; a completed
 * prescription is refused; and the transparency log includes every event within the wait.
 */
import { exportTrace, verifyBundle, verifyEvidence, type TraceBundle } from '../../client/bundle.js';
import { expectEqual, expectMatch, expectProblem, expectThat, fail, step } from '../expect.js';
import type { Check } from '../run.js';
import { paracetamol, testPatient } from './documents.js';

const EVENTS = 5; // issued, claimed, dispensed, claimed, dispensed (completed)
const POLL_MS = 250;

export const storyCheck: Check = {
  name: 'story',
  summary: 'issue, claim, claimed_elsewhere, dispense, claim by another, complete; the trace and the log verify',
  async run(t) {
    const doctor = await t.actor('prescriber', 'md');
    const a = await t.actor('pharmacy', 'ph-a', 'P-256');
    const b = await t.actor('pharmacy', 'ph-b');
    const { ordo } = t;
    const rx = await step('issuing a prescription', ordo.as(doctor).prescribe({ patient: testPatient, renewals: 1, items: [paracetamol] }, { datamatrix: 'png' }));
    expectThat(rx.datamatrix !== undefined && 'png' in rx.datamatrix, 'the issued answer carries the DataMatrix PNG asked for', Object.keys(rx.datamatrix ?? {}));
    const ca = await step('claiming by pharmacy A (the scanned payload)', ordo.as(a).claim(rx.payload));
    const elsewhere = await expectProblem('claiming by pharmacy B while A holds it', ordo.as(b).claim(rx.code), 'claimed_elsewhere');
    expectEqual(elsewhere.claimedUntil, ca.claim.expiresAt, 'claimed_elsewhere: claimedUntil is the end of A\'s claim');
    await step('dispensing by pharmacy A', ordo.as(a).dispense(ca.claim.id, rx.id, [{ item: 0, quantity: 2 }]));
    const cb = await step('claiming by pharmacy B after A dispensed', ordo.as(b).claim(rx.code));
    const done = await step('dispensing the renewal by pharmacy B', ordo.as(b).dispense(cb.claim.id, rx.id, [{ item: 0, quantity: 2 }]));
    expectEqual(done.status, 'completed', 'the status after the last dispense');
    const bundle = await step('exporting the trace', exportTrace(ordo, rx.code));
    expectEqual(await verifyBundle(bundle, [rx.receipt, ca.receipt, done.receipt]), { ok: true, events: EVENTS }, 'the trace with the receipts kept');
    await expectProblem('claiming a completed prescription', ordo.as(a).claim(rx.code), 'already_completed');

    // The log includes every step within the wait, and the bundle then proves each one offline.
    const logKey = await step('GET /.well-known/ordo-log-key', ordo.logKey());
    const included = (x: TraceBundle) => x.log?.proofs.length ?? 0;
    let logged = bundle;
    const until = Date.now() + t.logWaitMs;
    while (included(logged) < EVENTS && Date.now() < until) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      logged = await step('exporting the trace again', exportTrace(ordo, rx.code));
    }
    if (included(logged) < EVENTS) {
      fail(`the transparency log included ${included(logged)} of the ${EVENTS} events after ${t.logWaitMs / 1000} s: its turns are slower than that (ORDO_LOG_INTERVAL, or the log's turns are not running); wait longer with --log-wait`);
    }
    expectMatch(await verifyEvidence(logged, [], { key: logKey }), { ok: true, events: EVENTS, log: { ok: true, included: EVENTS, pending: 0 } }, 'the trace and its log proofs, against the published log key');
  },
};
