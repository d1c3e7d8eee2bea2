/**
 * `ordo correct` as a user runs it (a child process against a listening Ordo on a temporary
 * database): a dispensing record corrected, a stale correction refused in one line, and the
 * corrected trace exported, read and verified.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNode } from '../../src/node/server.js';
import { expectRefusal, runOrdo } from '../support/run-ordo.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-cli-correct-'));
let server: Awaited<ReturnType<typeof startNode>>;
let env: Record<string, string>;
const ordo = (...args: string[]) => runOrdo(args, { cwd: dir, env });

beforeAll(async () => {
  server = await startNode({ env: { PORT: '0', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets') }, log: () => {} });
  env = { ORDO_URL: `http://127.0.0.1:${server.port}`, ORDO_ISSUER: server.deps.config.issuer, ORDO_ADMIN_TOKEN: server.deps.keys.adminToken };
  writeFileSync(join(dir, 'rx.json'), readFileSync(join(root, 'examples/rx.json')));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('ordo correct: the record replaced, a stale index refused, the trace shows and verifies it', async () => {
  const doc = ['--key', 'doc.jwk', '--as', 'md-1'];
  const ph = ['--key', 'ph.jwk', '--as', 'ph-1'];
  for (const [file, id, kind] of [['doc.jwk', 'md-1', 'prescriber'], ['ph.jwk', 'ph-1', 'pharmacy']] as const) {
    expect((await ordo('keygen', '--out', file)).code).toBe(0);
    expect((await ordo('admin', 'actor', 'add', '--id', id, '--kind', kind, '--name', 'Test', '--key', file)).code).toBe(0);
  }
  const code = (await ordo('prescribe', 'rx.json', ...doc, '--field', 'code')).out.trim();
  const rxId = (await ordo('lookup', code, '--field', 'prescription.id')).out.trim();
  const claimId = (await ordo('claim', code, ...ph, '--field', 'claim.id')).out.trim();
  expect((await ordo('dispense', '--prescription', rxId, '--line', '0:2:lot=A123', ...ph, '--', claimId)).code).toBe(0);

  const c = await ordo('correct', '--prescription', rxId, '--corrects', '2', '--line', '0:1:lot=A124', ...ph, '--', claimId);
  expect(c.err).toBe('');
  expect(c.out).toMatch(/^corrected event 2; prescription now active\n {2}item 0: 5 of 6 left/);
  expectRefusal(await ordo('correct', '--prescription', rxId, '--corrects', '2', '--line', '0:2', ...ph, '--', claimId), /^Error \(409 conflict\): .*event 3/);
  expectRefusal(await ordo('correct', '--prescription', rxId, '--corrects', 'two', '--line', '0:2', ...ph, '--', claimId), /--corrects.*'two' is invalid.*ordo correct --help/);
  expectRefusal(await ordo('correct', '--prescription', rxId, '--corrects', '3', ...ph, '--', claimId), /at least one --line/);

  expect((await ordo('trace', code, '--out', 'trace.json')).code).toBe(0);
  const verified = await ordo('verify', 'trace.json');
  expect(verified.out).toMatch(/#2 .*dispensed: 2 boîte of .* \(corrected by #3\)/);
  expect(verified.out).toMatch(/#3 .*corrected #2: 1 boîte of /);
  expect(verified.out).toMatch(/verified: 4 events/);
}, 120_000);
