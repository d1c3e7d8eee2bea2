/**
 * The shared contract against Ordo as `npm start` runs it on a multi-core machine: a primary
 * process (the one writer) and two workers sharing the port, in child processes, over a SQLite
 * file. Races, replays and the failed-code limit must hold across processes.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { certifiedSuite } from '../contract/certified.js';
import { contractSuite, type Target } from '../contract/contract.js';
import { pkiMaterial } from '../support/pki-material.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-cluster-'));
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child) await killGroup(child);
  rmSync(dir, { recursive: true, force: true });
});

const NAME = 'Ordo on Node with two worker processes and one writer';
let ready: Promise<Target> | undefined;
const setup = () => (ready ??= start());
contractSuite(NAME, setup);
certifiedSuite(NAME, async () => ({ ordo: (await setup()).ordo, pki: await pkiMaterial() }));

async function start(): Promise<Target> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const issuer = 'https://ordo.test';
  const started = await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: '2', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets'), ORDO_ISSUER: issuer, ORDO_TRUST_PROXY: '1', ORDO_TRUST_ANCHORS: (await pkiMaterial()).anchors });
  child = started.child;
  if (!started.stderr().includes('(2 processes')) throw new Error(`expected two workers:\n${started.stderr()}`);
  return {
    ordo: new OrdoClient({ url: base, issuer, adminToken: readFileSync(join(dir, 'secrets/admin-token'), 'utf8').trim() }),
    // The suite names client addresses as Cloudflare would; here a reverse proxy tells them.
    rawFetch: (path: string, init?: RequestInit) => {
      const headers = { ...(init?.headers as Record<string, string> | undefined) };
      if (headers['cf-connecting-ip']) headers['x-forwarded-for'] = `198.51.100.1, ${headers['cf-connecting-ip']}`;
      return fetch(`${base}${path}`, { ...init, headers });
    },
  };
}
