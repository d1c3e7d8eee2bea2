/**
 * The shared contract on Node over PostgreSQL (a database of its own on the tests' server),
 * through a real listening server.
 */
import { afterAll } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { contractSuite } from '../contract/contract.js';
import { ISSUER, makeHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterAll(() => h?.close());

contractSuite('Ordo on Node with PostgreSQL', async () => {
  h = await makeHarness({ postgres: true });
  h.clock.now = Date.now(); // the SDK signs with the real clock
  const clock = h.clock;
  const base = await h.listen();
  const tick = setInterval(() => (clock.now = Date.now()), 5);
  afterAll(() => clearInterval(tick));
  return {
    ordo: new OrdoClient({ url: base, issuer: ISSUER, adminToken: h.adminToken }),
    rawFetch: (path: string, init?: RequestInit) => fetch(`${base}${path}`, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-test-client': (init?.headers as Record<string, string> | undefined)?.['cf-connecting-ip'] ?? '192.0.2.1' } }),
  };
});
