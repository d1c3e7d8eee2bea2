/**
 * A sandbox (ORDO_SANDBOX=1) through the app: the seed yields every state; the clock the
 * registrar moves drives expiry, claim lapse and pace, and what clients sign (request tokens,
 * the documents' iat and dispensedAt) is checked on it too, so that traces verify: the tests sign
 * on the sandbox's time (h.signing.offset), as the SDK does once a problem's serverTime told it;
 * forward only; /healthz tells its time.
 * On SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTrace, verifyBundle } from '../../src/client/bundle.js';
import { OrdoClient } from '../../src/client/client.js';
import { ISSUER } from '../support/harness.js';
import type { V1Lookup } from '../../src/contract/index.js';
import type { V1SandboxClock, V1SandboxSamples } from '../../src/contract/sandbox.js';
import { withSandboxTime } from '../../src/service/sandbox.js';
import { startSandbox } from '../../src/service/sandbox-start.js';
import { sweep } from '../../src/service/sweep.js';
import { issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { claim, dispense } from '../support/redeem.js';

const DAY = 86_400_000;

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('a sandbox on %s', (_, postgres) => {
  let h: Harness;
  let doctor: TestActor;
  let pharmA: TestActor;
  let pharmB: TestActor;
  let seeded: Awaited<ReturnType<typeof startSandbox>>;

  beforeAll(async () => {
    h = await makeHarness({ postgres, env: { ORDO_SANDBOX: '1' } });
    seeded = await startSandbox(h.deps, async (req) => h.app.request(req), { database: 'the test database', seed: true });
    doctor = await h.addActor('prescriber');
    pharmA = await h.addActor('pharmacy');
    pharmB = await h.addActor('pharmacy', { keyType: 'P-256' });
    // The seeding moved the clock: clients sign on the sandbox's time.
    h.signing.offset = (await sandboxNow()) - h.clock.now;
  });
  afterAll(() => h.close());

  const move = async (body: unknown) => {
    const res = await h.admin('POST', '/v1/admin/clock', body);
    const answer = { status: res.status, body: (await res.json()) as V1SandboxClock & { code?: string } };
    if (res.status === 200) h.signing.offset = answer.body.offsetSeconds * 1000;
    return answer;
  };
  const sandboxNow = async () => Date.parse(((await (await h.send('GET', '/healthz')).json()) as { sandbox: { now: string } }).sandbox.now);
  const lookup = async (code: string) => (await (await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code }) })).json()) as V1Lookup;

  it('is seeded with a sample in every state, their codes readable by the registrar', async () => {
    expect('seeded' in seeded && Object.keys(seeded.seeded!)).toEqual(['expired', 'active', 'claimed', 'paced', 'completed', 'cancelled', 'rotated']);
    const res = await h.admin('GET', '/v1/admin/sandbox/samples');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { samples } = (await res.json()) as V1SandboxSamples;
    const by = Object.fromEntries(samples.map((s) => [s.name, s]));
    expect(Object.fromEntries(samples.map((s) => [s.name, [s.status, s.codeVersion]]))).toEqual({
      expired: ['expired', 1], active: ['active', 1], claimed: ['claimed', 1], paced: ['active', 1], completed: ['completed', 1], cancelled: ['cancelled', 1], rotated: ['active', 2],
    });
    const events = async (name: string) => (await lookup(by[name]!.code)).events.map((e) => e.type);
    expect(await events('expired')).toEqual(['issued', 'expired']);
    expect(await events('claimed')).toEqual(['issued', 'claimed']);
    expect(await events('paced')).toEqual(['issued', 'claimed', 'dispensed']);
    expect((await lookup(by.paced!.code)).nextDueAt).toBeTruthy();
    expect(await events('completed')).toEqual(['issued', 'claimed', 'dispensed']);
    expect(await events('cancelled')).toEqual(['issued', 'cancelled']);
    expect(await events('rotated')).toEqual(['issued', 'code_rotated']);
    // The seeding moved the clock past the day it started on, to expire its sample.
    expect(await sandboxNow()).toBeGreaterThan(h.clock.now);
  });

  it("expiry: past validUntil the lookup says expired, with an `expired` event; documents signed on the sandbox's time issue", async () => {
    const rx = await issue(h, doctor);
    expect((await move({ advance: 'P100D' })).status).toBe(200);
    const look = await lookup(rx.code);
    expect(look.status).toBe('expired');
    expect(look.events.map((e) => e.type)).toEqual(['issued', 'expired']);
    // Signed on the sandbox's time (100 days ahead of real time): the token and the prescription's iat are accepted.
    const later = await issue(h, doctor);
    expect(later.status).toBe('active');
    expect(Date.parse((await lookup(later.code)).events[0]!.at)).toBeGreaterThanOrEqual(h.clock.now + 100 * DAY);
  });

  it('claim lapse: past the claim, another pharmacy may claim, after a `claim_expired`', async () => {
    const rx = await issue(h, doctor);
    expect((await claim(h, pharmA, rx.code)).status).toBe(201);
    expect((await claim(h, pharmB, rx.code)).body.code).toBe('claimed_elsewhere');
    const moved = await move({ advance: 11 * 60 });
    expect(moved.status).toBe(200);
    // The move swept at the new time: the lapse is recorded before anyone asks.
    expect((await lookup(rx.code)).events.map((e) => e.type)).toEqual(['issued', 'claimed', 'claim_expired']);
    expect((await claim(h, pharmB, rx.code)).status).toBe(201);
  });

  it('pace: a box not yet due is refused, then accepted once the clock is moved', async () => {
    const rx = await issue(h, doctor); // 2 boxes, 2 renewals, 30 days each
    const first = await claim(h, pharmA, rx.code);
    const d1 = await dispense(h, pharmA, rx.id, first.body.claim.id, [{ item: 0, quantity: 2 }]);
    expect(d1.status).toBe(201);
    const dueAt = Date.parse(d1.body.nextDueAt!);
    expect(dueAt).toBeGreaterThan(await sandboxNow());
    const again = await claim(h, pharmA, rx.code);
    const early = await dispense(h, pharmA, rx.id, again.body.claim.id, [{ item: 0, quantity: 2 }]);
    expect([early.status, early.body.code]).toEqual([422, 'not_yet_due']);
    expect((await move({ to: new Date(dueAt).toISOString() })).body.now).toBe(new Date(dueAt).toISOString());
    const onTime = await claim(h, pharmA, rx.code);
    const d2 = await dispense(h, pharmA, rx.id, onTime.body.claim.id, [{ item: 0, quantity: 2 }]);
    expect(d2.status).toBe(201);
  });

  it("dispensedAt is checked against the sandbox's time: real time, days behind it, is refused", async () => {
    await move({ advance: 'P3D' });
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmA, rx.code);
    const real = await dispense(h, pharmA, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }], { dispensedAt: new Date(h.clock.now).toISOString() });
    expect([real.status, real.body.code]).toEqual([422, 'invalid_document']);
    const sandboxTime = await dispense(h, pharmA, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }], { dispensedAt: new Date(await sandboxNow()).toISOString() });
    expect(sandboxTime.status).toBe(201);
  });

  it('moves forward only; tells its time and real time; needs the registrar', async () => {
    const now = await sandboxNow();
    const back = await move({ to: new Date(now - 60_000).toISOString() });
    expect([back.status, back.body.code]).toEqual([409, 'conflict']);
    expect(await sandboxNow()).toBe(now);
    for (const bad of [{ advance: 'P1M' }, { advance: -5 }, { to: 'tomorrow' }, {}, { advance: 'P1D', to: new Date(now).toISOString() }]) {
      const r = await move(bad);
      expect([r.status, r.body.code], JSON.stringify(bad)).toEqual([400, 'bad_request']);
    }
    const ok = await move({ advance: 'PT1H30M' });
    expect(ok.body).toEqual({ now: new Date(now + 5_400_000).toISOString(), realNow: new Date(h.clock.now).toISOString(), offsetSeconds: (now + 5_400_000 - h.clock.now) / 1000 });
    const anonymous = await h.send('POST', '/v1/admin/clock', { body: JSON.stringify({ advance: 'P1D' }) });
    expect(anonymous.status).toBe(401);
    expect(await sandboxNow()).toBe(now + 5_400_000);
  });

  it('the offset is read from the database: moved by another process, this one sweeps and answers on it', async () => {
    const rx = await issue(h, doctor);
    expect((await claim(h, pharmA, rx.code)).status).toBe(201);
    const before = await sandboxNow();
    // As another process (or host) would move it: in the database only.
    const offset = (await h.store.sandbox.offset())!;
    await h.store.sandbox.advance(offset + 11 * 60_000);
    expect(await sandboxNow()).toBe(before + 11 * 60_000);
    h.signing.offset += 11 * 60_000;
    // The minute sweep of Node and Workers runs on the sandbox's time too.
    expect((await sweep(await withSandboxTime(h.deps))).claimsEnded).toBe(1);
    expect((await lookup(rx.code)).events.map((e) => e.type)).toEqual(['issued', 'claimed', 'claim_expired']);
    // advance never takes the offset back.
    expect(await h.store.sandbox.advance(0)).toBe(offset + 11 * 60_000);
  });

  it("tokens are checked on the sandbox's time: one signed before a move is expired after it; one on real time says the server's time", async () => {
    const rx = await issue(h, doctor);
    const jti = 'sandbox-replay-0123456789';
    const first = await h.call(doctor, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id, jti });
    expect(first.status).toBe(200);
    const signedAt = Math.floor((h.clock.now + h.signing.offset) / 1000);
    await move({ advance: 'P30D' });
    const replay = await h.call(doctor, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id, jti, tokenNow: signedAt });
    expect([replay.status, ((await replay.json()) as { code: string }).code]).toEqual([401, 'token_expired']);
    // Signed on real time, 30 days and more behind: refused, with the time to sign on.
    const real = await h.call(doctor, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id, tokenNow: Math.floor(h.clock.now / 1000) });
    const problem = (await real.json()) as { code: string; serverTime: string };
    expect([real.status, problem.code, problem.serverTime]).toEqual([401, 'token_expired', new Date(await sandboxNow()).toISOString()]);
  });

  it("the SDK, on this machine's clock, learns the sandbox's from serverTime; the trace of a moved clock verifies", async () => {
    const sdk = new OrdoClient({ url: ISSUER, fetch: ((url: string, init: RequestInit) => h.app.request(url, init)) as typeof fetch });
    const ordo = { doctor: sdk.as({ id: doctor.id, key: doctor.key }), pharmacy: sdk.as({ id: pharmA.id, key: pharmA.key }) };
    await move({ advance: 'P10D' });
    const rx = await ordo.doctor.prescribe({ patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' }, items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3/j', quantity: 2, unit: 'boîte' }] });
    expect(Math.abs(sdk.now() - (await sandboxNow()))).toBeLessThan(5_000);
    const c = await ordo.pharmacy.claim(rx.code);
    await move({ advance: 'P2D' }); // the claim lapses; the SDK's next token is expired, then corrected
    const c2 = await ordo.pharmacy.claim(rx.code);
    expect(c2.claim.id).not.toBe(c.claim.id);
    await ordo.pharmacy.dispense(c2.claim.id, rx.id, [{ item: 0, quantity: 2 }]);
    const bundle = await exportTrace(sdk, rx.code);
    expect(bundle.events.map((e) => e.type)).toEqual(['issued', 'claimed', 'claim_expired', 'claimed', 'dispensed']);
    expect(await verifyBundle(bundle, [rx.receipt])).toEqual({ ok: true, events: 5 });
  });

  it('/healthz says it is a sandbox, with its time', async () => {
    const res = await h.send('GET', '/healthz');
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok', sandbox: { now: new Date(await sandboxNow()).toISOString() } });
  });
});
