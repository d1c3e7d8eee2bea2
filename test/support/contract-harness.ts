/**
 * The shared contract (test/contract/contract.ts) against a harness's listening server, the SDK
 * signing with the real clock (test/runtimes/contract-node.test.ts, contract-pg.test.ts).
 */
import { afterAll } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { startLogTurns } from '../../src/node/server.js';
import { certifiedSuite } from '../contract/certified.js';
import { contractSuite, type Target } from '../contract/contract.js';
import { ISSUER, makeHarness, type Harness, type HarnessOptions } from './harness.js';
import { pkiMaterial } from './pki-material.js';

/** The contract and the certified contract against one harness, its trust anchors the test PKI's. */
export function contractOnHarness(name: string, opts: HarnessOptions) {
  let h: Harness | undefined;
  afterAll(() => h?.close());
  let ready: Promise<Target> | undefined;
  const setup = () => (ready ??= start());
  contractSuite(name, setup);
  certifiedSuite(name, async () => ({ ordo: (await setup()).ordo, pki: await pkiMaterial() }));
  async function start(): Promise<Target> {
    h = await makeHarness({ ...opts, env: { ...opts.env, ORDO_TRUST_ANCHORS: (await pkiMaterial()).anchors } });
    h.clock.now = Date.now(); // the SDK signs with the real clock
    const clock = h.clock;
    const base = await h.listen();
    // Keep the server's clock on real time while the suite runs.
    const tick = setInterval(() => (clock.now = Date.now()), 5);
    // The log's turns, as the sweeping process of `npm start` runs them.
    const turns = startLogTurns(h.deps);
    afterAll(async () => {
      clearInterval(tick);
      await turns.stop();
    });
    return {
      ordo: new OrdoClient({ url: base, issuer: ISSUER, adminToken: h.adminToken }),
      rawFetch: (path: string, init?: RequestInit) => fetch(`${base}${path}`, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-test-client': (init?.headers as Record<string, string> | undefined)?.['cf-connecting-ip'] ?? '192.0.2.1' } }),
    };
  }
}
