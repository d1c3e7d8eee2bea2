/**
 * Every CLI command, as a user runs it (a child process against a listening Ordo on a
 * temporary database): one happy path and at least one failure each, with exit codes and
 * one-line errors, never a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node/server.js';
import { ordoCliArgs } from '../support/run-ordo.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-cli-'));
let server: Awaited<ReturnType<typeof startNode>>;
let env: Record<string, string>;

/** Runs `ordo ARGS…`; never throws: returns the exit code and both streams. */
async function ordo(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ordoCliArgs(args), { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
const expectFailure = (r: { code: number; err: string }, pattern: RegExp) => {
  expect(r.code).toBe(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.err.trim().split('\n')).toHaveLength(1);
};

beforeAll(async () => {
  server = await startNode({ env: { PORT: '0', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets') }, log: () => {} });
  env = { ORDO_URL: `http://127.0.0.1:${server.port}`, ORDO_ISSUER: server.deps.config.issuer, ORDO_ADMIN_TOKEN: server.deps.keys.adminToken };
  writeFileSync(join(dir, 'rx.json'), readFileSync(join(root, 'examples/rx.json')));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ordo', () => {
  const doc = ['--key', 'doc.jwk', '--as', 'md-1'];
  const ph = ['--key', 'ph.jwk', '--as', 'ph-1'];
  let code = '';
  let rxId = '';

  it('keygen: writes a 0600 private key and prints the kid; never overwrites', async () => {
    const r = await ordo('keygen', '--out', 'doc.jwk', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(dir, 'doc.jwk')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'doc.jwk'), 'utf8')).d).toBeTruthy();
    expect((await ordo('keygen', '--out', 'ph.jwk', '--type', 'p256')).code).toBe(0);
    expectFailure(await ordo('keygen', '--out', 'doc.jwk'), /never overwrites/);
  });

  it('admin: actor add, key add, key revoke, suspend, reinstate; refusals', async () => {
    expect((await ordo('admin', 'actor', 'add', '--id', 'md-1', '--kind', 'prescriber', '--name', 'Dr Claire Roussel', '--profession', 'médecin', '--key', 'doc.jwk')).out).toMatch(/added prescriber md-1/);
    expect((await ordo('admin', 'actor', 'add', '--id', 'ph-1', '--kind', 'pharmacy', '--name', 'Pharmacie des Lilas', '--key', 'ph.jwk')).code).toBe(0);
    expectFailure(await ordo('admin', 'actor', 'add', '--id', 'md-1', '--kind', 'prescriber', '--name', 'again', '--key', 'doc.jwk'), /409 conflict/);
    await ordo('keygen', '--out', 'spare.jwk');
    const added = await ordo('admin', 'key', 'add', 'md-1', '--key', 'spare.jwk', '--field', 'kid');
    expect(added.code).toBe(0);
    const kid = added.out.trim();
    // A kid may begin with '-' (one in 64): after '--', as the CLI's own refusal says.
    const revoked = await ordo('admin', 'key', 'revoke', 'md-1', '--', kid);
    expect(revoked.out, `kid ${JSON.stringify(kid)}, exit ${revoked.code}: ${revoked.err}`).toMatch(/revoked at/);
    expectFailure(await ordo('admin', 'key', 'add', 'nobody', '--key', 'spare.jwk'), /404 not_found/);
    expectFailure(await ordo('admin', 'key', 'revoke', 'md-1', 'not-a-kid'), /400 bad_request/);
    expect((await ordo('admin', 'suspend', 'md-1')).out).toMatch(/md-1 is suspended/);
    expectFailure(await ordo('list', ...doc), /403 forbidden/);
    expect((await ordo('admin', 'reinstate', 'md-1')).out).toMatch(/md-1 is active/);
    expectFailure(await ordo('admin', 'suspend', 'nobody'), /404/);
    expectFailure(await ordo('admin', 'reinstate', 'nobody'), /404/);
    expectFailure(await ordo('--admin-token', 'wrong-token-wrong-token-wrong-token', 'admin', 'suspend', 'md-1'), /401 unauthenticated/);
  });

  it('prescribe: code and DataMatrix files; a bad document is refused with its path', async () => {
    const r = await ordo('prescribe', 'rx.json', ...doc, '--png', 'rx.png', '--svg', 'rx.svg', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    code = out.code;
    rxId = out.id;
    expect(code).toMatch(/^([0-9A-Z]{5}-){8}.$/);
    expect(readFileSync(join(dir, 'rx.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(dir, 'rx.svg'), 'utf8')).toContain('<svg');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ patient: { family: 'X', given: ['Y'], birthDate: '1948-03-12' }, items: [] }));
    expectFailure(await ordo('prescribe', 'bad.json', ...doc), /422 invalid_document.*items/);
    expectFailure(await ordo('prescribe', 'rx.json'), /--key FILE and --as ID/);
    expectFailure(await ordo('prescribe', 'missing.json', ...doc), /cannot read prescription missing.json/);
  });

  it('list and lookup', async () => {
    expect((await ordo('list', ...doc)).out).toContain(rxId);
    expectFailure(await ordo('list', ...doc, '--state', 'nonsense'), /400 bad_request/);
    const look = await ordo('lookup', code);
    expect(look.out).toMatch(new RegExp(`prescription ${rxId}: active`));
    expect(look.out).toMatch(/Paracétamol 1 g, comprimé: 0\/6 dispensed, 6 left/);
    expectFailure(await ordo('lookup', code.slice(0, -1) + (code.endsWith('0') ? '1' : '0')), /400 bad_check.*mistyped/);
  });

  let claimId = '';
  it('claim, release, dispense', async () => {
    const c = await ordo('claim', code, ...ph, '--field', 'claim.id');
    expect(c.code).toBe(0);
    claimId = c.out.trim();
    expectFailure(await ordo('claim', code, ...doc), /403 forbidden/);
    expect((await ordo('release', claimId, '--prescription', rxId, ...ph)).out).toMatch(/released; prescription active/);
    expectFailure(await ordo('dispense', claimId, '--prescription', rxId, '--line', '0:1', ...ph), /409 claim_ended/);
    claimId = (await ordo('claim', code, ...ph, '--field', 'claim.id')).out.trim();
    expectFailure(await ordo('dispense', claimId, '--prescription', rxId, '--line', '0:5', ...ph), /422 not_yet_due/);
    expectFailure(await ordo('dispense', claimId, '--prescription', rxId, '--line', 'zero', ...ph), /ITEM:QUANTITY/);
    const d = await ordo('dispense', claimId, '--prescription', rxId, '--line', '0:2:lot=A123', ...ph);
    expect(d.out).toMatch(/dispensed; prescription now active/);
    expect(d.out).toMatch(/next due: /);
    expectFailure(await ordo('release', claimId, '--prescription', rxId, ...ph), /409 claim_ended/);
  });

  it('trace and verify (bundle, code, kept receipts); a tampered bundle fails', async () => {
    expect((await ordo('trace', code, '--out', 'trace.json')).out).toMatch(/events of .* written to trace.json/);
    const v = await ordo('verify', 'trace.json');
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/verified: 5 events/);
    expect(v.out).toMatch(/Pharmacie des Lilas .* dispensed: 2 boîte of Paracétamol/);
    expect((await ordo('verify', code)).code).toBe(0);
    const bundle = JSON.parse(readFileSync(join(dir, 'trace.json'), 'utf8'));
    mkdirSync(join(dir, 'receipts'));
    bundle.events.forEach((e: { receipt: string }, i: number) => writeFileSync(join(dir, 'receipts', `${i}.jws`), e.receipt));
    expect((await ordo('verify', 'trace.json', '--receipts', 'receipts')).out).toMatch(/and 5 kept receipt/);
    bundle.events[2].at = '2026-01-01T00:00:00.000Z';
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(bundle));
    const bad = await ordo('verify', 'tampered.json');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/NOT VERIFIED at event 2/);
    writeFileSync(join(dir, 'notabundle.json'), '{"hello":1}');
    expectFailure(await ordo('verify', 'notabundle.json'), /not an Ordo evidence bundle/);
    expectFailure(await ordo('trace', 'nonsense-code', '--out', 'x.json'), /400 bad_request/);
  });

  it('cancel', async () => {
    expect((await ordo('cancel', rxId, '--reason', 'Erreur de dosage', ...doc)).out).toMatch(/cancelled/);
    expectFailure(await ordo('claim', code, ...ph), /410 cancelled/);
    // A usage error: one line naming the missing option and where the help is, exit 1.
    const usage = await ordo('cancel', rxId, ...doc);
    expect(usage.code).toBe(1);
    expect(usage.err).toMatch(/^Error: required option '--reason <text>' not specified \(ordo cancel --help\)\n$/);
  });

  it('demo: in-process by default; --remote needs the admin token', async () => {
    const r = await ordo('demo', '--png', 'demo.png');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/verified: 5 events/);
    const remote = await ordo('demo', '--remote', '--png', 'demo2.png');
    expect(remote.code).toBe(0);
    expect(remote.out).toMatch(/verified: 5 events/);
    env = { ...env, ORDO_ADMIN_TOKEN: '' };
    expectFailure(await ordo('demo', '--remote'), /admin-token/);
  });
});
