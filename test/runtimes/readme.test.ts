/**
 * The README's quick start and "first five minutes", as a newcomer runs them: `npm start` for
 * real (a child process, on a port other than 8787, nothing else configured but where its data
 * and secrets go), then the walk-through line for line (`npx ordo` bound to this checkout's CLI)
 * with only ORDO_URL set, from a folder holding the repository's examples.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, killGroup } from '../support/ordo-process.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-readme-'));
let port: number;
let ordo: ChildProcess;
let banner = '';

beforeAll(async () => {
  do port = await freePort();
  while (port === 8787);
  ordo = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets'), ORDO_ISSUER: '', ORDO_WORKERS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  ordo.stderr!.on('data', (d: Buffer) => (banner += d.toString()));
  while (!/Ordo listening/.test(banner)) {
    if (ordo.exitCode !== null) throw new Error(`npm start failed:\n${banner}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true });
}, 60_000);
afterAll(async () => {
  if (ordo) await killGroup(ordo, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

it('runs the first-five-minutes commands as written, on another port, with nothing but ORDO_URL', async () => {
  expect(banner).toContain(`http://localhost:${port}`);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- first-five-minutes -->\n```sh\n([\s\S]*?)```\n<!-- \/first-five-minutes -->/.exec(readme)?.[1];
  expect(block).toBeTruthy();
  const script = `set -euo pipefail\nnpx() { shift; node ${JSON.stringify(join(root, 'bin/ordo.js'))} "$@"; }\n${block}`;
  const { stdout: out } = await promisify(execFile)('bash', ['-c', script], {
    cwd: dir,
    // TMPDIR: the demo's DataMatrix goes to the temporary folder; this test's own, removed after.
    env: { ...process.env, ORDO_URL: `http://localhost:${port}`, ORDO_ISSUER: '', ORDO_ADMIN_TOKEN: '', TMPDIR: dir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(out).toMatch(/verified: 5 events/); // the demo
  expect(out).toMatch(/added prescriber 10001234567/);
  expect(out).toMatch(/prescription [0-9A-Z]{16}: active/);
  expect(out).toMatch(/dispensed; prescription now active/);
  expect(out).toMatch(/verified: 3 events/); // the step-by-step trace
  expect(readFileSync(join(dir, 'scratch/rx.png')).subarray(1, 4).toString()).toBe('PNG');
  // Nothing the walk-through wrote lies outside the folder git ignores.
  for (const f of ['doctor.jwk', 'pharmacy.jwk', 'rx.png', 'trace.json', 'ordo-demo-datamatrix.png']) expect(existsSync(join(dir, f)), f).toBe(false);
  expect(existsSync(join(dir, 'scratch/doctor.jwk'))).toBe(true);
}, 150_000);
