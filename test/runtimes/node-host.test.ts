/**
 * ORDO_HOST: Ordo listens on this machine only unless told otherwise (as wrangler dev does); a
 * deployment sets 0.0.0.0 or ::, and the start-up lines say which. A bad value is refused in one
 * line, exit 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseNodeConfig } from '../../src/config/node.js';
import { startNode } from '../../src/node/server.js';
import { freePort, killGroup, runOrdoProcessToExit, startOrdoProcess } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const envAt = (name: string) => ({ ORDO_DB: join(dir, name, 'data/ordo.db'), ORDO_SECRETS: join(dir, name, 'secrets') });

it('listens on 127.0.0.1 by default, on every interface with ORDO_HOST=::', async () => {
  expect(parseNodeConfig({}).host).toBe('127.0.0.1');
  for (const [host, expected] of [[undefined, '127.0.0.1'], ['::', '::'], ['0.0.0.0', '0.0.0.0']] as const) {
    const s = await startNode({ env: { PORT: '0', ...envAt(`h-${host}`), ...(host && { ORDO_HOST: host }) }, log: () => {} });
    try {
      expect((s.server.address() as { address: string }).address).toBe(expected);
      expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
    } finally {
      await s.close();
    }
  }
});

it('says where it listens at start, and refuses what is not an address', async () => {
  const port = await freePort();
  const { child, stderr } = await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: '1', ...envAt('banner') });
  try {
    expect(stderr()).toMatch(/address: {2}127\.0\.0\.1 \(this machine only; ORDO_HOST=0\.0\.0\.0 or :: to be reachable from others\)/);
  } finally {
    await killGroup(child, 'SIGTERM');
  }
  const bad = await runOrdoProcessToExit({ PORT: String(port), ORDO_HOST: 'everywhere', ...envAt('bad') });
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim().split('\n')).toEqual([expect.stringMatching(/ORDO_HOST: an IP address to listen on/)]);
});
