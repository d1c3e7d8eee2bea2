/**
 * The verifier's checks one by one, on traces recorded through the API and then bent: events
 * dropped or swapped, Ordo's own events dated before their bound (written through the real
 * transition code with the clock moved back), foreign receipts, and kept receipts that
 * disagree with the chain.
 */
import { describe, expect, it } from 'vitest';
import type { V1Code, V1Jwks } from '../../src/contract/index.js';
import { signReceipt } from '../../src/crypto/ordo-keys.js';
import { compareReceipts, verifyTrace, type DirectoryRecord, type TraceEvent } from '../../src/domain/verify-trace.js';
import { generateSigningJwk, loadSigner } from '../../src/crypto/ordo-keys.js';
import { commitTransition } from '../../src/service/commit.js';
import { issue, ISSUER, withCast } from '../support/harness.js';
import { claim } from '../support/redeem.js';

const { h, doctor, pharmacy } = await withCast();

async function traceOf(code: string) {
  const look = (await (await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code }) })).json()) as { events: TraceEvent[]; prescription: { id: string } };
  const directory = await Promise.all([doctor, pharmacy].map(async (a) => (await (await h.send('GET', `/v1/directory/${a.id}`)).json()) as DirectoryRecord));
  const ordoJwks = (await (await h.send('GET', '/.well-known/jwks.json')).json()) as V1Jwks;
  return { id: look.prescription.id, events: look.events, directory, ordoJwks, issuer: ISSUER };
}
const check = (t: Awaited<ReturnType<typeof traceOf>>, events = t.events) => verifyTrace({ prescriptionId: t.id, events, directory: t.directory, ordoJwks: t.ordoJwks, issuer: t.issuer });

describe('verifier', () => {
  it('catches a dropped event, a swapped pair, a trace of another prescription', async () => {
    const rx = await issue(h, doctor);
    await claim(h, pharmacy, rx.code);
    h.advance(1000);
    await h.call(doctor, 'POST', `/v1/prescriptions/${rx.id}/code`, { body: { rotate: true }, sub: rx.id });
    const t = await traceOf((await h.call(doctor, 'POST', `/v1/prescriptions/${rx.id}/code`, { body: {}, sub: rx.id }).then((r) => r.json()) as V1Code).code);
    expect(await check(t)).toEqual({ ok: true, events: 3 });
    expect(await check(t, [t.events[0]!, t.events[2]!])).toMatchObject({ ok: false, index: 1, check: 'index' });
    expect(await check(t, [t.events[0]!, t.events[2]!, t.events[1]!])).toMatchObject({ ok: false, index: 1, check: 'index' });
    expect(await verifyTrace({ ...t, prescriptionId: '0000000000000000', ordoJwks: t.ordoJwks })).toMatchObject({ ok: false, index: 0, check: 'structure' });
    expect(await check(t, [])).toMatchObject({ ok: false, check: 'structure' });
  });

  it("catches Ordo's own events dated before their bound", async () => {
    const rx = await issue(h, doctor, { validUntil: '2026-12-31' });
    const c = await claim(h, pharmacy, rx.code, 600);
    // Ordo misbehaving: a claim_expired 100 s into a 600 s claim, written by the real transition code.
    h.advance(100_000);
    const row = (await h.store.getPrescription(rx.id))!;
    await commitTransition(h.deps, { from: row, set: { status: 'active', claimId: null, claimPharmacy: null, claimExpiresAt: null, claimTtl: null }, events: [{ type: 'claim_expired', actor: 'ordo', claim: c.body.claim.id, proof: null }] });
    const t = await traceOf(rx.code);
    expect(await check(t)).toMatchObject({ ok: false, index: 2, check: 'time_bound' });

    const rx2 = await issue(h, doctor, { validUntil: '2026-12-31' });
    const row2 = (await h.store.getPrescription(rx2.id))!;
    await commitTransition(h.deps, { from: row2, set: { status: 'expired' }, events: [{ type: 'expired', actor: 'ordo', claim: null, proof: null }] });
    const t2 = await traceOf(rx2.code);
    expect(await check(t2)).toMatchObject({ ok: false, index: 1, check: 'time_bound' });
  });

  it('catches a receipt by a key that is not Ordo\'s, and kept receipts that disagree with the chain', async () => {
    const rx = await issue(h, doctor);
    const t = await traceOf(rx.code);
    const stranger = await loadSigner(await generateSigningJwk(), h.deps.crypto);
    const e0 = t.events[0]!;
    const foreign = await signReceipt(stranger, ISSUER, t.id, { index: 0, type: 'issued', at: e0.at, claim: null, hash: e0.hash, prevHash: e0.prevHash }, h.clock.now);
    expect(await check(t, [{ ...e0, receipt: foreign }])).toMatchObject({ ok: false, index: 0, check: 'receipt' });

    expect(await compareReceipts([rx.receipt], t.events, t.ordoJwks, ISSUER)).toEqual({ ok: true, events: 1 });
    // Ordo signing a second, different receipt for the same index is proof of a rewritten history.
    const rewritten = await signReceipt(h.deps.keys.signer, ISSUER, t.id, { index: 0, type: 'issued', at: e0.at, claim: null, hash: 'B'.repeat(43), prevHash: e0.prevHash }, h.clock.now);
    expect(await compareReceipts([rx.receipt, rewritten], t.events, t.ordoJwks, ISSUER)).toMatchObject({ ok: false, index: 0, check: 'rewritten' });
    expect(await compareReceipts([foreign], t.events, t.ordoJwks, ISSUER)).toMatchObject({ ok: false, check: 'receipt' });
  });

  it('catches a proof signed with a key that was not the event\'s, and a key added after the event', async () => {
    const rx = await issue(h, doctor);
    const t = await traceOf(rx.code);
    const later = t.directory.map((d) => (d.id === doctor.id ? { ...d, keys: d.keys.map((k) => ({ ...k, addedAt: new Date(h.clock.now + 1).toISOString() })) } : d));
    expect(await verifyTrace({ ...t, prescriptionId: t.id, directory: later })).toMatchObject({ ok: false, index: 0, check: 'actor_key' });
    const wrongKid = { ...t.events[0]!, actor: { id: doctor.id, kind: 'prescriber' as const, kid: 'A'.repeat(43) } };
    expect(await check(t, [wrongKid])).toMatchObject({ ok: false, index: 0 });
  });
});
