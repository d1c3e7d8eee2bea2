/**
 * The README's "first five minutes", run line for line (with `npx ordo` bound to this
 * checkout's CLI) against a listening Ordo on a temporary database.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNode } from '../../src/node/server.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-readme-'));
let server: Awaited<ReturnType<typeof startNode>>;

beforeAll(async () => {
  server = await startNode({ env: { PORT: '0', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets') }, log: () => {} });
  cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('runs the first-five-minutes commands as written', async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- first-five-minutes -->\n```sh\n([\s\S]*?)```\n<!-- \/first-five-minutes -->/.exec(readme)?.[1];
  expect(block).toBeTruthy();
  const script = `set -euo pipefail\nnpx() { shift; node ${JSON.stringify(join(root, 'bin/ordo.js'))} "$@"; }\n${block}`;
  // Asynchronous: the server answering these commands lives in this very process.
  const { stdout: out } = await promisify(execFile)('bash', ['-c', script], {
    cwd: dir,
    env: { ...process.env, ORDO_URL: `http://127.0.0.1:${server.port}`, ORDO_ISSUER: server.deps.config.issuer },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(out).toMatch(/verified: 5 events/); // the demo
  expect(out).toMatch(/added prescriber 10001234567/);
  expect(out).toMatch(/prescription [0-9A-Z]{16}: active/);
  expect(out).toMatch(/dispensed; prescription now active/);
  expect(out).toMatch(/verified: 3 events/); // the step-by-step trace
  expect(readFileSync(join(dir, 'rx.png')).subarray(1, 4).toString()).toBe('PNG');
});
