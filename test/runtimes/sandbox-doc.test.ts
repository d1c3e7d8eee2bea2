/**
 * docs/sandbox.md's example, as an integrator runs it: a sandbox started by `npm start` with
 * ORDO_SANDBOX=1, then the fenced block line for line (`npx ordo` bound to this checkout's CLI)
 * with ORDO_URL and ORDO_ADMIN_TOKEN set, from a folder holding the repository's sandbox/.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';
import { ordoCliArgs } from '../support/run-ordo.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-sandbox-doc-'));
const adminToken = 'sandbox-doc-admin-token-0123456789abcdef';
let port: number;
let ordo: ChildProcess;

beforeAll(async () => {
  port = await freePort();
  ({ child: ordo } = await startOrdoProcess({ PORT: String(port), ORDO_SANDBOX: '1', ORDO_WORKERS: '1', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets'), ORDO_ADMIN_TOKEN: adminToken, ORDO_ISSUER: '' }));
  cpSync(join(root, 'sandbox'), join(dir, 'work/sandbox'), { recursive: true });
}, 60_000);
afterAll(async () => {
  if (ordo) await killGroup(ordo, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

it('runs the example of docs/sandbox.md as written: a claim lapses, a paced box is refused then accepted, a prescription expires', async () => {
  const doc = readFileSync(join(root, 'docs/sandbox.md'), 'utf8');
  const block = /<!-- sandbox-example -->\n```sh\n([\s\S]*?)```\n<!-- \/sandbox-example -->/.exec(doc)?.[1];
  expect(block).toBeTruthy();
  const cli = ordoCliArgs([]).map((a) => JSON.stringify(a)).join(' ');
  const script = `set -euo pipefail\nnpx() { shift; node ${cli} "$@"; }\n${block}`;
  const { stdout: out } = await promisify(execFile)('bash', ['-c', script], {
    cwd: join(dir, 'work'),
    env: { ...process.env, ORDO_URL: `http://localhost:${port}`, ORDO_ADMIN_TOKEN: adminToken, ORDO_ISSUER: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const lines = out.trim().split('\n');
  expect(out).toMatch(/^claim \S+ on [0-9A-Z]{16} until /m);
  expect(out).toMatch(/"offsetSeconds":/);
  expect(out).toContain('refused: not yet due');
  expect(out).toMatch(/dispensed; prescription now active/);
  expect(lines.at(-1)).toBe('expired');
}, 150_000);
