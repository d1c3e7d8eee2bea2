/**
 * Damaged storage: sealed records swapped between rows directly in the SQLite file (a restore
 * gone wrong, a faulty copy). No answer is a 500: the code holder gets the trace with the
 * damaged proof marked `unreadable`, so the verifier names exactly that event; a claim and a
 * code rotation are refused with `record_unreadable` and write nothing.
 */
import { expect, it } from 'vitest';
import type { V1Lookup } from '../../src/contract/index.js';
import { issue, withCast } from '../support/harness.js';
import { cancel, claim, dispense, snapshot } from '../support/redeem.js';
import { lookupByCode, verifyLookup } from '../support/trace.js';

const { h, doctor, pharmacy } = await withCast();

function swap(sql: { get: string; set: string }, a: unknown[], b: unknown[]) {
  const va = (h.db.prepare(sql.get).get(...a) as { v: string }).v;
  const vb = (h.db.prepare(sql.get).get(...b) as { v: string }).v;
  h.db.prepare(sql.set).run(vb, ...a);
  h.db.prepare(sql.set).run(va, ...b);
}
const proofs = { get: 'select proof v from events where prescription_id = ? and idx = ?', set: 'update events set proof = ? where prescription_id = ? and idx = ?' };
const reasons = { get: 'select cancel_reason v from prescriptions where id = ?', set: 'update prescriptions set cancel_reason = ? where id = ?' };

const lookup = (code: string) => lookupByCode(h, code);
const verify = (look: V1Lookup) => verifyLookup(h, look);

it('a swapped prescription document: lookup answers the trace with event 0 unreadable; claim and rotation are refused, nothing written', async () => {
  const a = await issue(h, doctor);
  const b = await issue(h, doctor);
  swap(proofs, [a.id, 0], [b.id, 0]);

  const look = await lookup(a.code);
  expect(look.status).toBe(200);
  expect(look.body.prescription.document).toBeNull();
  expect(look.body.prescription.content).toBeNull();
  expect(look.body.events[0]).toMatchObject({ index: 0, proof: null, unreadable: true });
  expect(await verify(look.body)).toMatchObject({ ok: false, index: 0, check: 'proof_hash' });

  const before = snapshot(h, a.id);
  const c = await claim(h, pharmacy, a.code);
  expect([c.status, c.body.code]).toEqual([409, 'record_unreadable']);
  const rot = await h.call(doctor, 'POST', `/v1/prescriptions/${a.id}/code`, { body: { rotate: true }, sub: a.id });
  expect([rot.status, ((await rot.json()) as { code: string }).code]).toEqual([409, 'record_unreadable']);
  expect(snapshot(h, a.id)).toEqual(before);
  expect(h.logs.some((l) => l.level === 'error' && l.msg === 'sealed record does not open')).toBe(true);
});

it('a swapped dispensing record: the trace names that event; the prescription can still be claimed', async () => {
  const rxs = [];
  for (let i = 0; i < 2; i++) {
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmacy, rx.code);
    expect((await dispense(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }])).status).toBe(201);
    rxs.push(rx);
  }
  swap(proofs, [rxs[0]!.id, 2], [rxs[1]!.id, 2]);
  const look = await lookup(rxs[0]!.code);
  expect(look.status).toBe(200);
  expect(look.body.events.map((e) => e.unreadable ?? false)).toEqual([false, false, true]);
  expect(await verify(look.body)).toMatchObject({ ok: false, index: 2, check: 'proof_hash' });
  expect((await claim(h, pharmacy, rxs[0]!.code)).status).toBe(201);
});

it('a swapped cancel reason: lookup answers it as null, a claim is still refused as cancelled', async () => {
  const a = await issue(h, doctor);
  const b = await issue(h, doctor);
  await cancel(h, doctor, a.id, 'Erreur de posologie');
  await cancel(h, doctor, b.id, 'Allergie');
  swap(reasons, [a.id], [b.id]);
  const look = await lookup(a.code);
  expect([look.status, look.body.status, look.body.cancelReason]).toEqual([200, 'cancelled', null]);
  const c = await claim(h, pharmacy, a.code);
  expect([c.status, c.body.code]).toEqual([410, 'cancelled']);
});
