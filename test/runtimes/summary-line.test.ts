/**
 * The plain closing line ("N passed, N failed, N skipped") that CI reads must count a test file
 * that failed before its tests could run (a missing browser, a throwing beforeAll) as a failure,
 * not as skipped tests. Runs vitest itself, as `npm test` does, on the browser story with a
 * Chromium that is not there.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

it('counts a file whose set-up failed as failed, and exits non-zero', async () => {
  const run = await promisify(execFile)(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'node', 'test/browser/story.test.ts'], {
    cwd: root,
    env: { ...process.env, ORDO_CHROMIUM: '/nonexistent/chromium', ORDO_SKIP_BROWSER: '' },
    encoding: 'utf8',
    timeout: 120_000,
  }).then(
    (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
  );
  const line = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(run.out);
  expect(line, run.out.slice(-2000)).not.toBeNull();
  expect(Number(line![2])).toBeGreaterThanOrEqual(1);
  expect(run.code).not.toBe(0);
  expect(run.err + run.out).toMatch(/nonexistent\/chromium is missing/);
}, 150_000);
