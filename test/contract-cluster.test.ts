/**
 * The shared contract against Ordo as `npm start` runs it on a multi-core machine: a primary
 * process (the one writer) and two workers sharing the port, in child processes, over a SQLite
 * file. Races, replays and the failed-code limit must hold across processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { OrdoClient } from '../src/client/client.js';
import { contractSuite } from './contract/contract.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-cluster-'));
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

contractSuite('Ordo on Node with two worker processes and one writer', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const issuer = 'https://ordo.test';
  child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../src/node.ts')], {
    env: { ...process.env, PORT: String(port), ORDO_WORKERS: '2', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets'), ORDO_ISSUER: issuer, ORDO_TRUST_PROXY: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  while (!/Ordo listening/.test(stderr)) {
    if (child.exitCode !== null) throw new Error(`Ordo did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!stderr.includes('(2 processes')) throw new Error(`expected two workers:\n${stderr}`);
  return {
    ordo: new OrdoClient({ url: base, issuer, adminToken: readFileSync(join(dir, 'secrets/admin-token'), 'utf8').trim() }),
    // The suite names client addresses as Cloudflare would; here a reverse proxy tells them.
    rawFetch: (path: string, init?: RequestInit) => {
      const headers = { ...(init?.headers as Record<string, string> | undefined) };
      if (headers['cf-connecting-ip']) headers['x-forwarded-for'] = `198.51.100.1, ${headers['cf-connecting-ip']}`;
      return fetch(`${base}${path}`, { ...init, headers });
    },
  };
});
