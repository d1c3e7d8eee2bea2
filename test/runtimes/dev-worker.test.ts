/**
 * `npm run dev:worker` as a user runs it: the migrations applied to a local D1, wrangler dev on
 * PORT, ORDO_* variables passed through; then the whole demo story over HTTP, verified.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo.js';
import { randomBytes } from '../../src/crypto/hash.js';

const root = join(import.meta.dirname, '../..');
const state = mkdtempSync(join(tmpdir(), 'ordo-wrangler-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const url = `http://127.0.0.1:${port}`;
const adminToken = base64url.encode(randomBytes(32));
let child: ChildProcess;
let output = '';

beforeAll(async () => {
  const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const env = {
    // NODE_ENV as in a user's shell: vitest's "test" would make miniflare skip what it does for users.
    ...process.env, NODE_ENV: '', PORT: String(port), ORDO_WRANGLER_STATE: state, ORDO_ADMIN_TOKEN: adminToken,
    ORDO_SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)), ORDO_TOKEN_KEY: base64url.encode(randomBytes(32)),
  };
  child = spawn('npm', ['run', 'dev:worker'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev did not start:\n${output}`);
}, 90_000);

afterAll(async () => {
  // The whole process group: npm, the script, wrangler's node process and workerd.
  if (child?.pid) process.kill(-child.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  rmSync(state, { recursive: true, force: true });
});

it('serves the whole story on a local D1', async () => {
  const lines: string[] = [];
  // No ORDO_ISSUER was given: locally the Worker's issuer is http://localhost:PORT.
  const ok = await runDemo({ url, issuer: `http://localhost:${port}`, adminToken, remote: true, png: join(state, 'demo.png'), out: (l) => lines.push(l) });
  expect(lines.join('\n')).toMatch(/verified: 5 events/);
  expect(ok).toBe(true);
  expect(output).toMatch(/0000_init\.sql/);
}, 60_000);

it('passes `ordo conformance` (the CLI, every check) on a local D1', async () => {
  const { runOrdo } = await import('../support/run-ordo.js');
  const r = await runOrdo(['conformance', '--url', url, '--issuer', `http://localhost:${port}`, '--admin-token', adminToken], { cwd: state });
  expect(r.code, r.out + r.err).toBe(0);
  expect(r.out).toMatch(/^(\d+) checks: \1 passed, 0 failed in /m);
}, 120_000);

it('prints no stack trace on a machine without access to Cloudflare (as here: only the package registries are reachable)', () => {
  expect(output).not.toMatch(/ENOTFOUND|\n\s+at [\w.<>]+ \(/);
});
