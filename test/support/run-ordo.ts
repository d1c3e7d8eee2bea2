/**
 * The `ordo` command as a user runs it: `node bin/ordo.js ARGS…` in a child process; bin/ordo.js
 * runs src/cli/main.ts through tsx, here the same JavaScript compiled once per run
 * (test/support/ordo-build.ts) runs instead; with ORDO_TEST_TSX=1, bin/ordo.js itself.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, inject } from 'vitest';

const root = join(import.meta.dirname, '../..');

/** `node`'s arguments for `ordo ARGS…`: the compiled bin/ordo.js (`main()` of the compiled src/cli/main.ts), with source maps as tsx enables them; or bin/ordo.js. */
export function ordoCliArgs(args: string[]): string[] {
  const build = inject('ordoBuild');
  return [...(build ? ['--enable-source-maps', join(build, 'bin/ordo.js')] : [join(root, 'bin/ordo.js')]), ...args];
}

export type OrdoRun = { code: number; out: string; err: string };

/** Runs `ordo ARGS…` in `cwd` with `env` added; never throws: returns the exit code and both streams. */
export async function runOrdo(args: string[], o: { cwd: string; env?: Record<string, string> }): Promise<OrdoRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ordoCliArgs(args), { cwd: o.cwd, env: { ...process.env, ...o.env }, encoding: 'utf8' });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

/** A refusal as the CLI promises it: exit 1, one line on stderr matching `pattern`, no stack trace. */
export function expectRefusal(r: OrdoRun, pattern: RegExp) {
  expect(r.code, r.err).toBe(1);
  expect(r.err).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.err.trim().split('\n')).toHaveLength(1);
}
