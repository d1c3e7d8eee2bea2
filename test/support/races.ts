/**
 * The races every deployment must win: exactly one of concurrent claims, one of concurrent
 * dispenses on one claim, a cancel racing a dispense with a consistent trace. On a real listening
 * server (test/hardening/races.test.ts) or on several Ordo processes sharing one database
 * (test/hardening/races-processes.test.ts).
 */
import { expect, it } from 'vitest';
import type { V1DirectoryEntry, V1Jwks, V1Lookup } from '../../src/contract/index.js';
import { verifyTrace } from '../../src/domain/verify-trace.js';
import { ISSUER, issue, type Harness, type TestActor } from './harness.js';
import { cancel, claim, dispense } from './redeem.js';

export type Cast = { h: Harness; doctor: TestActor; pharmacies: TestActor[] };

/** The race tests, on the cast `cast()` gives once the suite's beforeAll has run. */
export function raceTests(cast: () => Cast) {
  let h: Harness, doctor: TestActor, pharmacies: TestActor[];
  const take = () => ({ h, doctor, pharmacies } = cast());

  it('30 concurrent claims from 3 pharmacies: exactly one 201, the rest 409 or the winner\'s 200', async () => {
    take();
    const rx = await issue(h, doctor);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => claim(h, pharmacies[i % 3]!, rx.code).then((r) => ({ ...r, who: i % 3 }))));
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    const winner = created[0]!;
    for (const r of results) {
      if (r.status === 201) continue;
      if (r.who === winner.who) {
        expect(r.status).toBe(200);
        expect(r.body.claim.id).toBe(winner.body.claim.id);
      } else {
        expect([r.status, r.body.code]).toEqual([409, 'claimed_elsewhere']);
      }
    }
    expect(await h.row("select count(*) n from events where prescription_id = ? and type = 'claimed'", rx.id)).toEqual({ n: 1 });
  });

  it('8 concurrent one-unit dispenses on one claim: exactly one succeeds, the rest 409 claim_ended', async () => {
    take();
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmacies[0]!, rx.code);
    const results = await Promise.all(Array.from({ length: 8 }, () => dispense(h, pharmacies[0]!, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }])));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect([r.status, r.body.code]).toEqual([409, 'claim_ended']);
    const row = (await h.row<{ progress: string }>('select progress from prescriptions where id = ?', rx.id))!;
    expect(JSON.parse(row.progress)[0].dispensed).toBe(1);
  });

  it('a cancel racing a dispense: either order, the trace is consistent', async () => {
    take();
    for (let round = 0; round < 5; round++) {
      const rx = await issue(h, doctor);
      const c = await claim(h, pharmacies[1]!, rx.code);
      const [d, x] = await Promise.all([dispense(h, pharmacies[1]!, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }]), cancel(h, doctor, rx.id)]);
      expect(x.status).toBe(200);
      const types = (await h.rows<{ type: string }>('select type from events where prescription_id = ? order by idx', rx.id)).map((e) => e.type);
      if (d.status === 201) expect(types).toEqual(['issued', 'claimed', 'dispensed', 'cancelled']);
      else {
        expect([d.status, d.body.code]).toEqual([410, 'cancelled']);
        expect(types).toEqual(['issued', 'claimed', 'cancelled']);
      }
      const look = (await (await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: rx.code }) })).json()) as V1Lookup;
      expect(look.status).toBe('cancelled');
      expect(look.remaining[0]!.dispensed).toBe(d.status === 201 ? 1 : 0);
      const directory = await Promise.all([doctor, pharmacies[1]!].map(async (a) => (await (await h.send('GET', `/v1/directory/${a.id}`)).json()) as V1DirectoryEntry));
      const ordoJwks = (await (await h.send('GET', '/.well-known/jwks.json')).json()) as V1Jwks;
      expect(await verifyTrace({ prescriptionId: rx.id, events: look.events, directory, ordoJwks, issuer: ISSUER })).toEqual({ ok: true, events: types.length });
    }
  });
}
