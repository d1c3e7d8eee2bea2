/**
 * The sandbox as `npm start` runs it. A sandbox is never production: ORDO_SANDBOX=1 on a database
 * holding other data, and ORDO_SANDBOX unset on a sandbox database, are refused (exit 2, one
 * line naming ORDO_SANDBOX); so is a value other than 0 or 1. A new sandbox is seeded at start.
 * On several processes (ORDO_WORKERS=2) the clock moved through one request is every process's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { generateKey } from '../../src/client/sign.js';
import { startNode } from '../../src/node/server.js';
import { freePort, killGroup, runOrdoProcessToExit, startOrdoProcess } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-sandbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deployment's variables: its own database and secrets under `dir`. */
const envOf = (name: string, extra: Record<string, string> = {}) => ({ PORT: '0', ORDO_DB: join(dir, name, 'data/ordo.db'), ORDO_SECRETS: join(dir, name, 'secrets'), ORDO_ISSUER: '', ...extra });

function expectRefused(r: { code: number | null; stderr: string }, ...patterns: RegExp[]) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  for (const p of patterns) expect(r.stderr).toMatch(p);
}

describe('a sandbox is never production', () => {
  it('ORDO_SANDBOX=1 on a database that holds data and is not a sandbox: refused, nothing written', async () => {
    const a = await startNode({ env: envOf('prod'), log: () => {} });
    try {
      const ordo = new OrdoClient({ url: `http://127.0.0.1:${a.port}`, issuer: a.deps.config.issuer, adminToken: a.deps.keys.adminToken });
      await ordo.addActor({ id: 'real-md', kind: 'prescriber', name: 'Dr Réel', keys: [(await generateKey()).publicJwk] });
    } finally {
      await a.close();
    }
    expectRefused(await runOrdoProcessToExit({ ...envOf('prod', { ORDO_SANDBOX: '1' }), ORDO_WORKERS: '1' }), /^Invalid configuration: ORDO_SANDBOX: /, /holds data and is not a sandbox database/, /data\/ordo\.db/);
    // On several processes, the same line, once.
    expectRefused(await runOrdoProcessToExit({ ...envOf('prod', { ORDO_SANDBOX: '1' }), ORDO_WORKERS: '2' }), /^Invalid configuration: ORDO_SANDBOX: .*holds data/);
    // Still a production database: it starts as one, its actor there, no sample.
    const again = await startNode({ env: envOf('prod'), log: () => {} });
    try {
      expect(await again.deps.store.sandbox.offset()).toBeUndefined();
      expect(await again.deps.store.getActor('sandbox-prescriber-1')).toBeUndefined();
    } finally {
      await again.close();
    }
  });

  it('a sandbox database without ORDO_SANDBOX=1: refused', async () => {
    const s = await startNode({ env: envOf('box', { ORDO_SANDBOX: '1' }), log: () => {} });
    try {
      // Marked, seeded, and its clock moved past its first day (the expired sample).
      expect(await s.deps.store.sandbox.offset()).toBeGreaterThan(0);
      expect((await s.deps.store.getActor('sandbox-prescriber-1'))?.kind).toBe('prescriber');
      expect(await s.deps.store.listPrescriptions({ prescriberId: 'sandbox-prescriber-1', limit: 10 })).toHaveLength(4);
    } finally {
      await s.close();
    }
    expectRefused(await runOrdoProcessToExit({ ...envOf('box'), ORDO_WORKERS: '1' }), /^Invalid configuration: ORDO_SANDBOX: .*is a sandbox database/, /set ORDO_SANDBOX=1/);
    expectRefused(await runOrdoProcessToExit({ ...envOf('box', { ORDO_SANDBOX: '0' }), ORDO_WORKERS: '1' }), /^Invalid configuration: ORDO_SANDBOX: .*is a sandbox database/);
  });

  it('ORDO_SANDBOX other than 0 or 1: refused, naming the variable', async () => {
    expectRefused(await runOrdoProcessToExit({ ...envOf('bad', { ORDO_SANDBOX: 'yes' }), ORDO_WORKERS: '1' }), /ORDO_SANDBOX: 1 \(a sandbox/);
  });
});

describe('npm start with ORDO_SANDBOX=1 on two processes', () => {
  it('seeds once at start, and the clock moved through one request is the time of every process', async () => {
    const port = await freePort();
    const env = envOf('cluster', { PORT: String(port), ORDO_SANDBOX: '1', ORDO_WORKERS: '2', ORDO_ADMIN_TOKEN: 'a'.repeat(43) });
    const { child } = await startOrdoProcess(env);
    try {
      const url = `http://127.0.0.1:${port}`;
      const admin = { authorization: `Bearer ${'a'.repeat(43)}`, 'content-type': 'application/json' };
      const samples = (await (await fetch(`${url}/v1/admin/sandbox/samples`, { headers: admin })).json()) as { samples: { name: string }[] };
      expect(samples.samples.map((s) => s.name).sort()).toEqual(['active', 'cancelled', 'claimed', 'completed', 'expired', 'paced', 'rotated']);
      const moved = await fetch(`${url}/v1/admin/clock`, { method: 'POST', headers: admin, body: JSON.stringify({ advance: 'P30D' }) });
      expect(moved.status).toBe(200);
      const { now } = (await moved.json()) as { now: string };
      // New connections, spread by the primary over both workers in turn: each answers the moved time.
      const seen: number[] = [];
      for (let i = 0; i < 8; i++) {
        const h = (await (await fetch(`${url}/healthz`, { headers: { connection: 'close' } })).json()) as { sandbox: { now: string } };
        seen.push(Date.parse(h.sandbox.now));
      }
      for (const t of seen) expect(t).toBeGreaterThanOrEqual(Date.parse(now));
      for (const t of seen) expect(t).toBeLessThan(Date.parse(now) + 60_000);
    } finally {
      await killGroup(child, 'SIGTERM');
    }
  }, 60_000);
});
