/**
 * Races: of many concurrent claims on one prescription by three pharmacies, exactly one pharmacy
 * wins and every other answer is claimed_elsewhere; of concurrent dispenses on one claim, exactly
 * one is recorded and the others are claim_ended.
 */
import { OrdoProblemError } from '../../client/errors.js';
import { expectEqual, expectThat, reasonOf, step } from '../expect.js';
import type { Check } from '../run.js';
import { stockings, testPatient } from './documents.js';

const CLAIMS = 15;
const DISPENSES = 6;

/** An answer's problem code, 'ok' for a success; anything but a problem fails the check. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: unknown) => (err instanceof OrdoProblemError ? err.problem.code : `error: ${reasonOf(err)}`),
  );

export const racesCheck: Check = {
  name: 'races',
  summary: 'of 15 concurrent claims exactly one pharmacy wins; of 6 concurrent dispenses on one claim exactly one is recorded',
  async run(t) {
    const doctor = await t.actor('prescriber', 'md');
    const ph = [await t.actor('pharmacy', 'ph-0'), await t.actor('pharmacy', 'ph-1'), await t.actor('pharmacy', 'ph-2')];
    const { ordo } = t;
    const rx = await step('issuing a prescription', ordo.as(doctor).prescribe({ patient: testPatient, items: [stockings] }));
    const claims = await Promise.all(Array.from({ length: CLAIMS }, async (_, i) => ({ who: i % 3, code: await outcome(ordo.as(ph[i % 3]!).claim(rx.code)) })));
    const winners = [...new Set(claims.filter((c) => c.code === 'ok').map((c) => c.who))];
    expectEqual(winners.length, 1, `pharmacies whose claim succeeded, of ${CLAIMS} concurrent claims by 3`);
    const others = claims.filter((c) => c.code !== 'ok').map((c) => c.code);
    expectThat(others.every((c) => c === 'claimed_elsewhere'), 'every other concurrent claim answered claimed_elsewhere', others);

    const w = ph[winners[0]!]!;
    const c = await step('claiming again by the winner', ordo.as(w).claim(rx.code));
    const dispenses = await Promise.all(Array.from({ length: DISPENSES }, () => outcome(ordo.as(w).dispense(c.claim.id, rx.id, [{ item: 0, quantity: 1 }]))));
    expectEqual(dispenses.filter((d) => d === 'ok').length, 1, `dispenses recorded, of ${DISPENSES} concurrent ones on one claim`);
    const refused = dispenses.filter((d) => d !== 'ok');
    expectThat(refused.every((d) => d === 'claim_ended'), 'every other concurrent dispense answered claim_ended', refused);
    const look = await step('looking the prescription up', ordo.lookup(rx.code));
    expectEqual(look.remaining[0]?.dispensed, 1, 'the quantity of item 0 dispensed after the race');
  },
};
