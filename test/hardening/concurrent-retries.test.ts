/**
 * A client that timed out sends the same signed step again, possibly while the first copy is
 * still running: every copy must get the original answer (one 201, the others 200 with the same
 * receipt), never a refusal that would make the client believe nothing was recorded. Each copy
 * carries its own request token, as a client re-signing a retry does. On a listening server, on
 * SQLite's two commit paths and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDocument } from '../../src/client/sign.js';
import { COMMIT_PATHS, issue, makeHarness, rxPayload, type Harness, type TestActor } from '../support/harness.js';
import { cancel, claim, dispense, dispenseRecord, release } from '../support/redeem.js';

const COPIES = 20;

describe.each(COMMIT_PATHS)('%s', (_, opts) => {
  let h: Harness;
  let doctor: TestActor;
  let pharmacy: TestActor;
  beforeAll(async () => {
    h = await makeHarness(opts);
    await h.listen();
    doctor = await h.addActor('prescriber');
    pharmacy = await h.addActor('pharmacy');
  });
  afterAll(() => h.close());

  const count = async (sql: string, ...args: unknown[]) => (await h.row<{ n: number }>(sql, ...args))!.n;

  it(`${COPIES} copies of one dispensing record at once: one 201, ${COPIES - 1} × 200 with the same receipt`, async () => {
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmacy, rx.code);
    const record = await dispenseRecord(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }]);
    const results = await Promise.all(Array.from({ length: COPIES }, () => dispense(h, pharmacy, rx.id, c.body.claim.id, [], {}, record)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(COPIES - 1);
    expect(new Set(results.map((r) => r.body.receipt)).size).toBe(1);
    expect(results.every((r) => r.body.status === 'active' && r.body.remaining[0]!.dispensed === 1)).toBe(true);
    expect(await count("select count(*) n from events where prescription_id = ? and type = 'dispensed'", rx.id)).toBe(1);
  });

  it(`${COPIES} copies of one prescription at once: one 201, the rest 200 with the same id, code and receipt`, async () => {
    const jws = await signDocument(doctor.key, 'ordo-rx+jwt', rxPayload(doctor.id, h.clock.now));
    const results = await Promise.all(
      Array.from({ length: COPIES }, async () => {
        const res = await h.call(doctor, 'POST', '/v1/prescriptions', { body: { prescription: jws } });
        return { status: res.status, body: (await res.json()) as { id: string; code: string; receipt: string } };
      }),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(COPIES - 1);
    expect(new Set(results.map((r) => `${r.body.id} ${r.body.code} ${r.body.receipt}`)).size).toBe(1);
    expect(await count('select count(*) n from prescriptions where id = ?', results[0]!.body.id)).toBe(1);
  });

  it(`${COPIES} releases of one claim at once: all 200 with the one release's receipt`, async () => {
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmacy, rx.code);
    const results = await Promise.all(Array.from({ length: COPIES }, () => release(h, pharmacy, rx.id, c.body.claim.id)));
    expect(results.map((r) => r.status)).toEqual(Array(COPIES).fill(200));
    expect(new Set(results.map((r) => r.body.receipt)).size).toBe(1);
    expect(await count("select count(*) n from events where prescription_id = ? and type = 'released'", rx.id)).toBe(1);
  });

  it(`${COPIES} cancels of one prescription at once: all 200 with the one cancel's receipt`, async () => {
    const rx = await issue(h, doctor);
    await claim(h, pharmacy, rx.code);
    const results = await Promise.all(Array.from({ length: COPIES }, () => cancel(h, doctor, rx.id)));
    expect(results.map((r) => r.status)).toEqual(Array(COPIES).fill(200));
    expect(new Set(results.map((r) => r.body.receipt)).size).toBe(1);
    expect(await count("select count(*) n from events where prescription_id = ? and type = 'cancelled'", rx.id)).toBe(1);
  });

  it('a copy arriving after the claim it was recorded under has ended still gets the original answer', async () => {
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmacy, rx.code);
    const first = await dispense(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }]);
    expect(first.status).toBe(201);
    const again = await dispense(h, pharmacy, rx.id, c.body.claim.id, [], {}, first.jws);
    expect([again.status, again.body.receipt]).toEqual([200, first.body.receipt]);
  });
});
