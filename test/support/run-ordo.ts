/** The `ordo` command as a user runs it: `node bin/ordo.js ARGS…` in a child process. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const root = join(import.meta.dirname, '../..');

export type OrdoRun = { code: number; out: string; err: string };

/** Runs `ordo ARGS…` in `cwd` with `env` added; never throws: returns the exit code and both streams. */
export async function runOrdo(args: string[], o: { cwd: string; env?: Record<string, string> }): Promise<OrdoRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [join(root, 'bin/ordo.js'), ...args], { cwd: o.cwd, env: { ...process.env, ...o.env }, encoding: 'utf8' });
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
