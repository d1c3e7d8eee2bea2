/**
 * The verifier replays a trace through the same state machine Ordo decides with: events that
 * Ordo's own rules forbid are rejected even when every signature and hash is right. The bent
 * traces are written through the real commit code (real receipts), bypassing the rules, as a
 * misbehaving or compromised Ordo would.
 */
import { expect, it } from 'vitest';
import { signRequestToken } from '../../src/client/sign.js';
import { seal } from '../../src/crypto/seal.js';
import { contentKeyOf } from '../../src/service/code-access.js';
import { commitTransition } from '../../src/service/commit.js';
import { issue, ISSUER, withCast, type TestActor } from '../support/harness.js';
import { cancel, claim, dispenseRecord } from '../support/redeem.js';
import { verifyByCode } from '../support/trace.js';

const { h, doctor, pharmacy } = await withCast();

const check = (code: string) => verifyByCode(h, code);

const token = (actor: TestActor, path: string, sub: string, body?: unknown) =>
  signRequestToken({ key: actor.key, iss: actor.id, aud: ISSUER, method: 'POST', path, sub, body: body === undefined ? undefined : JSON.stringify(body), now: Math.floor(h.clock.now / 1000) });
const pharmacyActor = () => ({ id: pharmacy.id, kind: 'pharmacy' as const, kid: pharmacy.key.kid });
const row = async (id: string) => (await h.store.getPrescription(id))!;

it('rejects any event after the prescription was cancelled', async () => {
  const rx = await issue(h, doctor);
  expect((await cancel(h, doctor, rx.id)).status).toBe(200);
  expect(await check(rx.code)).toMatchObject({ ok: true });
  h.advance(1000);
  const proof = await token(pharmacy, '/v1/claims', rx.id, { code: rx.code });
  await commitTransition(h.deps, { from: await row(rx.id), events: [{ type: 'claimed', actor: pharmacyActor(), claim: 'Q2xhaW0tYWZ0ZXItY2FuY2Vs', proof, claimedUntil: h.clock.now + 600_000 }] });
  expect(await check(rx.code)).toMatchObject({ ok: false, index: 2, check: 'lifecycle' });
});

it("rejects a dispense beyond an item's pace and beyond its total", async () => {
  // 2 boxes per delivery, every 30 days, 6 in all: a first delivery of 3 is ahead of its pace.
  for (const quantity of [3, 7]) {
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmacy, rx.code);
    const current = await row(rx.id);
    const jws = await dispenseRecord(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity }]);
    const stored = await seal(h.deps.crypto, await contentKeyOf(h.deps, current), jws, { kid: current.tokenKeyId, rx: rx.id, idx: 2, doc: 'dispense' });
    await commitTransition(h.deps, { from: current, set: { status: 'active', claimId: null, claimPharmacy: null, claimExpiresAt: null, claimTtl: null }, events: [{ type: 'dispensed', actor: pharmacyActor(), claim: c.body.claim.id, proof: jws, stored }] });
    expect(await check(rx.code)).toMatchObject({ ok: false, index: 2, check: 'lifecycle' });
  }
});

it('rejects one request token proving two events', async () => {
  const rx = await issue(h, doctor);
  const proof = await token(doctor, `/v1/prescriptions/${rx.id}/code`, rx.id, { rotate: true });
  const first = await h.call(doctor, 'POST', `/v1/prescriptions/${rx.id}/code`, { body: { rotate: true }, sub: rx.id, token: proof });
  expect(first.status).toBe(200);
  expect(await check((await first.json() as { code: string }).code)).toMatchObject({ ok: true });
  const doctorActor = { id: doctor.id, kind: 'prescriber' as const, kid: doctor.key.kid };
  const after = await commitTransition(h.deps, { from: await row(rx.id), events: [{ type: 'code_rotated', actor: doctorActor, claim: null, proof }] });
  const { code } = (await (await h.call(doctor, 'POST', `/v1/prescriptions/${after.row.id}/code`, { body: {}, sub: rx.id })).json()) as { code: string };
  expect(await check(code)).toMatchObject({ ok: false, index: 2, check: 'token_reuse' });
});
