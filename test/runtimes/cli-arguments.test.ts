/**
 * What the CLI refuses on its own, before any request (issue 13): its version, usage errors in
 * one line, files and folders that are not there, empty and non-numeric arguments, key files it
 * would overwrite. No Ordo runs here: ORDO_URL points at a closed port, so a command that sent
 * anything would say "cannot reach Ordo" instead of the refusal each test expects.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ordoCliArgs } from '../support/run-ordo.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-cli-args-'));
const CODE = 'ABCDE-FGHJK-MNPQR-STVWX-YZ012-34567-89ABC-DEFGH-K';
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `ordo ARGS…` in `dir` with `input` on standard input; returns the exit code and both streams. */
function ordo(args: string[], input = ''): { code: number; out: string; err: string } {
  const r = spawnSync('node', ordoCliArgs(args), {
    cwd: dir,
    input,
    encoding: 'utf8',
    env: { ...process.env, ORDO_URL: 'http://127.0.0.1:9', ORDO_ISSUER: '', ORDO_ADMIN_TOKEN: '', ORDO_KEY: '', ORDO_AS: '' },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
/** Exit 1, one line on stderr matching `pattern`, nothing on stdout, no usage dump, no stack. */
function refused(r: { code: number; out: string; err: string }, pattern: RegExp) {
  expect(r.err).toMatch(pattern);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/Usage:|\n\s+at |cannot reach Ordo/);
  expect(r.out).toBe('');
  expect(r.code).toBe(1);
}

describe('ordo refuses locally, in one line', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = ordo(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(version);
  });

  it('usage errors: one line naming the problem and where help is, exit 1', () => {
    refused(ordo(['cancel', 'RX', '--key', 'k.jwk', '--as', 'md']), /^Error: required option '--reason <text>' not specified.*ordo cancel --help/);
    refused(ordo(['cancel', '--reason', 'x']), /missing required argument 'id'.*ordo cancel --help/);
    refused(ordo(['lookup', CODE, '--nonsense']), /unknown option '--nonsense'.*ordo lookup --help/);
    refused(ordo(['prescibe', 'rx.json']), /unknown command 'prescibe'.*Did you mean prescribe\?/);
    refused(ordo(['admin', 'actor', 'add', '--id', 'x', '--kind', 'nurse', '--name', 'n', '--key', 'k']), /--kind.*nurse.*prescriber, pharmacy.*ordo admin actor add --help/);
    refused(ordo(['keygen', '--out', 'k.jwk', '--type', 'rsa']), /argument 'rsa' is invalid/);
    const help = ordo(['cancel', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: ordo cancel/);
  });

  it('an id that begins with "-" is read after "--", and the refusal without it says so', () => {
    const old = '-or0HQvpWZRPCyWkHkeLZQ'; // a claim id as Ordo drew them before (one in 64 began with '-')
    refused(ordo(['release', old, '--prescription', 'RX', '--key', 'k.jwk', '--as', 'ph']), /unknown option '-or0HQvpWZRPCyWkHkeLZQ'.*goes last, after '--'.*ordo release --help/);
    // Past the arguments: the next refusal is the missing key file, so the id was taken.
    refused(ordo(['release', '--prescription', 'RX', '--key', 'k.jwk', '--as', 'ph', '--', old]), /k\.jwk/);
  });

  it('numeric options take whole numbers only', () => {
    refused(ordo(['claim', CODE, '--ttl', 'abc', '--key', 'k.jwk', '--as', 'ph']), /option '--ttl <seconds>' argument 'abc' is invalid.*whole number/);
    refused(ordo(['claim', CODE, '--ttl', '1.5', '--key', 'k.jwk', '--as', 'ph']), /--ttl.*whole number/);
    refused(ordo(['list', '--limit', 'ten', '--key', 'k.jwk', '--as', 'md']), /option '--limit <n>' argument 'ten' is invalid/);
    refused(ordo(['list', '--limit', '0', '--key', 'k.jwk', '--as', 'md']), /--limit.*1 or more/);
    refused(ordo(['dispense', 'CLAIM', '--prescription', 'RX', '--line', '0:two', '--key', 'k.jwk', '--as', 'ph']), /--line.*'0:two' is invalid.*ITEM:QUANTITY/);
  });

  it('empty arguments and codes are refused before any request', () => {
    refused(ordo(['lookup', '']), /Error: <code> is empty/);
    refused(ordo(['lookup', '   ']), /<code> is empty/);
    refused(ordo(['trace', '', '--out', 'trace.json']), /<code> is empty/);
    refused(ordo(['cancel', '', '--reason', 'x', '--key', 'k.jwk', '--as', 'md']), /<id> is empty/);
    refused(ordo(['lookup', '-'], '\n'), /no code on standard input/);
  });

  it('--url must be an http(s) URL', () => {
    refused(ordo(['--url', 'localhost:8787', 'lookup', CODE]), /--url localhost:8787 is not an http\(s\) URL/);
  });

  it('verify: a missing file, a folder, a file that is not JSON, a missing receipts folder', () => {
    refused(ordo(['verify', 'scratch/trace.json']), /Error: scratch\/trace\.json does not exist/);
    refused(ordo(['verify', 'trace.json']), /trace\.json does not exist/);
    mkdirSync(join(dir, 'folder'));
    refused(ordo(['verify', 'folder']), /folder is a folder/);
    writeFileSync(join(dir, 'half.json'), '{"format": ');
    refused(ordo(['verify', 'half.json']), /half\.json is not JSON/);
    writeFileSync(join(dir, 'text.txt'), 'hello\n');
    refused(ordo(['verify', 'text.txt']), /text\.txt is not JSON/);
    writeFileSync(join(dir, 'bundle.json'), '{"hello":1}');
    refused(ordo(['verify', 'bundle.json']), /not an Ordo evidence bundle/);
    refused(ordo(['verify', CODE, '--receipts', 'kept']), /receipts folder kept does not exist/);
  });

  it('keygen: a missing folder, an existing file (untouched), a folder; the key is 0600', () => {
    refused(ordo(['keygen', '--out', '/nonexistent/dir/k.jwk']), /Error: folder \/nonexistent\/dir does not exist/);
    refused(ordo(['keygen', '--out', 'scratch/doctor.jwk']), /folder scratch does not exist/);
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    refused(ordo(['keygen', '--out', 'not-a-folder/k.jwk']), /not-a-folder is not a folder/);
    refused(ordo(['keygen', '--out', 'folder']), /folder is a folder/);

    const first = ordo(['keygen', '--out', 'doctor.jwk']);
    expect(first.code).toBe(0);
    expect(statSync(join(dir, 'doctor.jwk')).mode & 0o777).toBe(0o600);
    const key = readFileSync(join(dir, 'doctor.jwk'), 'utf8');
    refused(ordo(['keygen', '--out', 'doctor.jwk']), /doctor\.jwk exists: keygen never overwrites a key file; choose another name, or remove it yourself/);
    expect(readFileSync(join(dir, 'doctor.jwk'), 'utf8')).toBe(key);
  });

  it('outputs are checked before anything is sent: prescribe, trace, demo', () => {
    writeFileSync(join(dir, 'rx.json'), readFileSync(join(root, 'examples/rx.json')));
    if (!readdirSync(dir).includes('doctor.jwk')) expect(ordo(['keygen', '--out', 'doctor.jwk']).code).toBe(0);
    const doc = ['--key', 'doctor.jwk', '--as', 'md-1'];
    refused(ordo(['prescribe', 'rx.json', ...doc, '--png', '/nonexistent/x.png']), /folder \/nonexistent does not exist/);
    refused(ordo(['prescribe', 'nope.json', ...doc]), /cannot read prescription nope\.json \(it does not exist\)/);
    refused(ordo(['prescribe', 'rx.json', '--key', 'nope.jwk', '--as', 'md-1']), /cannot read key file nope\.jwk \(it does not exist\)/);
    refused(ordo(['prescribe', 'rx.json', ...doc, '--svg', 'scratch/rx.svg']), /folder scratch does not exist/);
    refused(ordo(['prescribe', 'rx.json', ...doc, '--png', 'folder']), /folder is a folder/);
    refused(ordo(['prescribe', 'rx.json', ...doc, '--png', 'rx.img', '--svg', './rx.img']), /--png and --svg name the same file/);
    refused(ordo(['reprint', 'RX', ...doc, '--png', '/nonexistent/x.png']), /folder \/nonexistent does not exist/);
    refused(ordo(['rotate', 'RX', ...doc, '--svg', '/nonexistent/x.svg']), /folder \/nonexistent does not exist/);
    refused(ordo(['trace', CODE, '--out', '/nonexistent/trace.json']), /folder \/nonexistent does not exist/);
    refused(ordo(['trace', CODE, '--out', 'not-a-folder/trace.json']), /not-a-folder is not a folder/);
    const demo = ordo(['demo', '--png', '/nonexistent/demo.png']);
    refused(demo, /folder \/nonexistent does not exist/);
    expect(readdirSync(dir)).not.toContain('rx.img'); // nothing left behind by a refusal
  });
});
