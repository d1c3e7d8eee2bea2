/**
 * The code is never lost (issue 13): a DataMatrix file that cannot be written stops `prescribe`
 * before anything is issued; `reprint` prints the current code again and `rotate` replaces it;
 * `demo` writes its DataMatrix to the temporary folder, never into the current one. A child
 * process against a listening Ordo on a temporary database, as a user runs it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node/server.js';
import { ordoCliArgs } from '../support/run-ordo.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-cli-codes-'));
let server: Awaited<ReturnType<typeof startNode>>;
let env: Record<string, string>;

/** Runs `ordo ARGS…` in `cwd` (default `dir`); never throws: returns the exit code and both streams. */
async function ordo(args: string[], cwd = dir): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ordoCliArgs(args), { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
const refused = (r: { code: number; out: string; err: string }, pattern: RegExp) => {
  expect(r.err).toMatch(pattern);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(1);
};
const isPng = (file: string) => readFileSync(file).subarray(1, 4).toString() === 'PNG';

beforeAll(async () => {
  server = await startNode({ env: { PORT: '0', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets') }, log: () => {} });
  env = { ORDO_URL: `http://127.0.0.1:${server.port}`, ORDO_ISSUER: server.deps.config.issuer, ORDO_ADMIN_TOKEN: server.deps.keys.adminToken };
  writeFileSync(join(dir, 'rx.json'), readFileSync(join(root, 'examples/rx.json')));
  for (const [file, id, kind] of [['doc.jwk', 'md-1', 'prescriber'], ['other.jwk', 'md-2', 'prescriber'], ['ph.jwk', 'ph-1', 'pharmacy']]) {
    expect((await ordo(['keygen', '--out', file!])).code).toBe(0);
    expect((await ordo(['admin', 'actor', 'add', '--id', id!, '--kind', kind!, '--name', id!, '--key', file!])).code).toBe(0);
  }
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ordo and the code', () => {
  const doc = ['--key', 'doc.jwk', '--as', 'md-1'];
  let rxId = '';
  let code = '';

  it('prescribe --png into a missing folder issues nothing and says why', async () => {
    const count = async () => (JSON.parse((await ordo(['list', ...doc, '--json'])).out) as { items: unknown[] }).items.length;
    expect(await count()).toBe(0);
    refused(await ordo(['prescribe', 'rx.json', ...doc, '--png', '/nonexistent/x.png']), /folder \/nonexistent does not exist/);
    refused(await ordo(['prescribe', 'rx.json', ...doc, '--svg', 'rx.json/x.svg']), /rx\.json is not a folder/);
    expect(await count()).toBe(0);

    const ok = await ordo(['prescribe', 'rx.json', ...doc, '--png', 'rx.png', '--json']);
    expect(ok.code).toBe(0);
    ({ id: rxId, code } = JSON.parse(ok.out) as { id: string; code: string });
    expect(isPng(join(dir, 'rx.png'))).toBe(true);
    expect(await count()).toBe(1);
  });

  it.skipIf(!existsSync('/dev/full'))('a DataMatrix that fails to write after issuing: the code is printed all the same', async () => {
    const r = await ordo(['prescribe', 'rx.json', ...doc, '--png', '/dev/full', '--field', 'code']);
    expect(r.out.trim()).toMatch(/^([0-9A-Z]{5}-){8}.$/);
    refused(r, /cannot write \/dev\/full: no space left\. The code is printed above; `ordo reprint [0-9A-Z]{16} --png FILE` writes its DataMatrix again/);
  });

  it('reprint: the current code again, with its DataMatrix', async () => {
    const r = await ordo(['reprint', rxId, ...doc, '--png', 'again.png', '--svg', 'again.svg']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`code: ${code}`);
    expect(r.out).toMatch(/DataMatrix: again\.png/);
    expect(isPng(join(dir, 'again.png'))).toBe(true);
    expect(readFileSync(join(dir, 'again.svg'), 'utf8')).toContain('<svg');
    expect((await ordo(['reprint', rxId, ...doc, '--field', 'code'])).out.trim()).toBe(code);
    refused(await ordo(['reprint', rxId, '--key', 'other.jwk', '--as', 'md-2']), /404 not_found/);
    refused(await ordo(['reprint', rxId]), /--key FILE and --as ID/);
  });

  it('rotate: a new code, the old one answers 404, reprint shows the new one', async () => {
    const r = await ordo(['rotate', rxId, ...doc, '--png', 'rotated.png']);
    expect(r.code).toBe(0);
    const fresh = /new code: (\S+)/.exec(r.out)?.[1] ?? '';
    expect(fresh).toMatch(/^([0-9A-Z]{5}-){8}.$/);
    expect(fresh).not.toBe(code);
    expect(r.out).toMatch(/the old code no longer works/);
    expect(isPng(join(dir, 'rotated.png'))).toBe(true);
    refused(await ordo(['lookup', code]), /404 not_found/);
    expect((await ordo(['lookup', fresh])).out).toMatch(new RegExp(`prescription ${rxId}: active`));
    expect((await ordo(['reprint', rxId, ...doc, '--field', 'code'])).out.trim()).toBe(fresh);
    expect((await ordo(['rotate', rxId, ...doc, '--json'])).out).toMatch(/"receipt"/);
    refused(await ordo(['rotate', rxId, '--key', 'other.jwk', '--as', 'md-2']), /404 not_found/);
    refused(await ordo(['rotate', rxId, '--key', 'ph.jwk', '--as', 'ph-1']), /403 forbidden/);
  });

  it('trace --out into a missing folder: refused before the code is sent', async () => {
    // A malformed code would be a 400 from Ordo: the folder is checked first.
    refused(await ordo(['trace', 'nonsense-code', '--out', '/nonexistent/trace.json']), /folder \/nonexistent does not exist/);
  });

  it('demo writes its DataMatrix to the temporary folder, never the current one', async () => {
    const cwd = mkdtempSync(join(dir, 'repo-'));
    const r = await ordo(['demo'], cwd);
    expect(r.code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    const png = /DataMatrix written to (\S+)/.exec(r.out)?.[1] ?? '';
    expect(png.startsWith(tmpdir())).toBe(true);
    expect(isPng(png)).toBe(true);
    rmSync(png);
    const named = await ordo(['demo', '--png', 'mine.png'], cwd);
    expect(named.code).toBe(0);
    expect(named.out).toContain(`DataMatrix written to ${join(cwd, 'mine.png')}`);
    expect(existsSync(join(cwd, 'mine.png'))).toBe(true);
  });
});
