/**
 * The failed-code limit: at most 20 wrong codes per bucket in ten minutes, the 21st refused with
 * 429 and a Retry-After. Checked on a pharmacy's bucket (wrong codes claimed by a pharmacy of
 * the run's own, POST /v1/claims), never on the address one: against a deployment, every request
 * comes from the runner's one address, and filling its bucket would lock the operator out for
 * ten minutes. The same judgements serve the address bucket in the test suite.
 */
import { OrdoProblemError } from '../../client/errors.js';
import type { Actor, OrdoClient } from '../../client/client.js';
import { expectEqual, expectThat, reasonOf } from '../expect.js';
import type { Check } from '../run.js';

/** Failed codes judged (404) per bucket in the window; the next are 429. */
export const FAILED_CODE_LIMIT = 20;
/** A well-formed code that no prescription has (its check character is right). */
export const WRONG_CODE = `ORDO1:${'0'.repeat(40)}`;

/** One wrong code sent: the answer's status, its problem code, and for a 429 its Retry-After in seconds. */
export type WrongCodeAttempt = () => Promise<{ status: number; code?: string; retryAfter?: number }>;

/** `404 not_found`, `429 too_many_attempts`, `200`: how an answer is counted. */
const answerOf = (a: { status: number; code?: string }) => (a.code ? `${a.status} ${a.code}` : String(a.status));

/** `what`'s first 20 wrong codes are 404, the 21st is 429 with a positive Retry-After. */
export async function expectFailedCodeLimit(send: WrongCodeAttempt, what: string): Promise<void> {
  for (let i = 1; i <= FAILED_CODE_LIMIT; i++) expectEqual(answerOf(await send()), '404 not_found', `wrong code ${i} of ${FAILED_CODE_LIMIT} ${what}`);
  const blocked = await send();
  expectEqual(answerOf(blocked), '429 too_many_attempts', `wrong code ${FAILED_CODE_LIMIT + 1} ${what}`);
  expectThat((blocked.retryAfter ?? 0) > 0, `wrong code ${FAILED_CODE_LIMIT + 1} ${what}: a positive Retry-After`, blocked.retryAfter);
}

/** Of 30 wrong codes sent at once `what`, exactly 20 are judged (404) and 10 refused (429). */
export async function expectFailedCodesAtOnce(send: WrongCodeAttempt, what: string): Promise<void> {
  const answers = await Promise.all(Array.from({ length: FAILED_CODE_LIMIT + 10 }, send));
  const counts: Record<string, number> = {};
  for (const a of answers) counts[answerOf(a)] = (counts[answerOf(a)] ?? 0) + 1;
  expectEqual(counts, { '404 not_found': FAILED_CODE_LIMIT, '429 too_many_attempts': 10 }, `answers to ${FAILED_CODE_LIMIT + 10} wrong codes sent at once ${what} (count of each)`);
}

/** A wrong code claimed by `pharmacy` (the SDK signs for the code's id, as for any claim). */
const claimWrongCode = (ordo: OrdoClient, pharmacy: Actor): WrongCodeAttempt => async () => {
  try {
    await ordo.as(pharmacy).claim(WRONG_CODE);
    return { status: 200 };
  } catch (err) {
    if (!(err instanceof OrdoProblemError)) throw new Error(`claiming a wrong code: ${reasonOf(err)}`);
    const retryAfter = err.problem.retryAfter;
    return { status: err.status, code: err.problem.code, ...(typeof retryAfter === 'number' && { retryAfter }) };
  }
};

export const failedCodesCheck: Check = {
  name: 'failed-codes',
  summary: "a pharmacy's 20 wrong codes in ten minutes are 404, the 21st 429 with Retry-After; another pharmacy is not affected",
  async run(t) {
    const [a, b] = [await t.actor('pharmacy', 'ph-a'), await t.actor('pharmacy', 'ph-b')];
    await expectFailedCodeLimit(claimWrongCode(t.ordo, a), 'claimed by one pharmacy');
    expectEqual(answerOf(await claimWrongCode(t.ordo, b)()), '404 not_found', 'a wrong code claimed by another pharmacy then');
  },
};

export const failedCodesAtOnceCheck: Check = {
  name: 'failed-codes-at-once',
  summary: 'of 30 wrong codes claimed at once by one pharmacy, exactly 20 are judged (404) and 10 refused (429)',
  async run(t) {
    await expectFailedCodesAtOnce(claimWrongCode(t.ordo, await t.actor('pharmacy', 'ph')), 'by one pharmacy');
  },
};
