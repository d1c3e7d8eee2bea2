/**
 * The shared contract inside workerd, over PostgreSQL through a local Hyperdrive binding (the
 * tests' server, a database migrated from Node: test/support/postgres-setup.ts), through the
 * Worker's own fetch.
 */
import { env, SELF } from 'cloudflare:test';
import { OrdoClient } from '../../src/client/client.js';
import { certifiedSuite, type PkiMaterial } from '../contract/certified.js';
import { contractSuite } from '../contract/contract.js';

const e = env as unknown as { ORDO_ADMIN_TOKEN: string; TEST_PKI: string };
const rawFetch = (path: string, init?: RequestInit) => SELF.fetch(`https://ordo.test${path}`, init);

contractSuite('Ordo on Workers with PostgreSQL through Hyperdrive', async () => ({
  ordo: new OrdoClient({ url: 'https://ordo.test', adminToken: e.ORDO_ADMIN_TOKEN, fetch: ((url: string, init: RequestInit) => SELF.fetch(url, init)) as typeof fetch }),
  rawFetch,
}));

certifiedSuite('Ordo on Workers with PostgreSQL through Hyperdrive', async () => ({
  ordo: new OrdoClient({ url: 'https://ordo.test', adminToken: e.ORDO_ADMIN_TOKEN, fetch: ((url: string, init: RequestInit) => SELF.fetch(url, init)) as typeof fetch }),
  pki: JSON.parse(e.TEST_PKI) as PkiMaterial,
}));
