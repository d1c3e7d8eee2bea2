/**
 * The contract, written once and run on every runtime: on Node over better-sqlite3 and
 * PostgreSQL (test/runtimes/contract-node.test.ts, contract-cluster.test.ts, contract-pg.test.ts)
 * and inside workerd over D1 and Hyperdrive (test/workers/contract.test.ts,
 * test/workers-postgres/contract.test.ts). Only the HTTP surface is used, through the SDK and raw
 * requests.
 *
 * The checks are `ordo conformance`'s (src/conformance), one test each. Here besides, what only
 * a test may do: the failed-code limit on the address bucket, with addresses named through
 * `cf-connecting-ip` (the harnesses turn it into what their runtime trusts), which against a
 * deployment would lock the runner's own address out.
 */
import { beforeAll, describe, it } from 'vitest';
import { checks, expectFailedCodeLimit, expectFailedCodesAtOnce, runCheck, WRONG_CODE, type Target } from '../../src/conformance/index.js';

export type { Target };

/** The story may wait for the transparency log; each test has time for that (and for Hyperdrive's round trips). */
const LOG_WAIT_MS = 20_000;
const CHECK_TIMEOUT_MS = 60_000;

export function contractSuite(name: string, setup: () => Promise<Target>) {
  describe(name, () => {
    let target: Target;
    beforeAll(async () => {
      target = { logWaitMs: LOG_WAIT_MS, ...(await setup()) };
    });

    for (const check of checks) {
      it(`${check.name}: ${check.summary}`, async () => {
        const r = await runCheck(target, check);
        if (!r.ok) throw r.error;
      }, CHECK_TIMEOUT_MS);
    }

    /** A wrong code looked up anonymously from `ip`. */
    const wrongFrom = (ip: string) => async () => {
      const res = await target.rawFetch('/v1/lookup', { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip }, body: JSON.stringify({ code: WRONG_CODE }) });
      const problem = (await res.json()) as { code?: string };
      return { status: res.status, code: problem.code, retryAfter: Number(res.headers.get('retry-after')) };
    };

    it("limits failed codes by the caller's address; another address is not affected", async () => {
      await expectFailedCodeLimit(wrongFrom('203.0.113.7'), 'from one address');
      await expectFailedCodeLimit(wrongFrom('203.0.113.8'), 'from another address');
    }, CHECK_TIMEOUT_MS);

    it('of 30 wrong codes sent at once from one address, exactly 20 are judged and 10 refused', async () => {
      await expectFailedCodesAtOnce(wrongFrom('198.51.100.77'), 'from one address');
    }, CHECK_TIMEOUT_MS);
  });
}
