/**
 * Ordo as `npm start` runs it (`node --import tsx src/node.ts`), in a child process, for tests:
 * the same JavaScript, compiled once per run (test/support/ordo-build.ts), so that no process
 * pays for tsx's loader; with ORDO_TEST_TSX=1, through tsx itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { inject } from 'vitest';

/** A port nobody listens on right now. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/**
 * `node`'s arguments that run Ordo: the compiled src/node.ts, with source maps as tsx enables
 * them (stack traces name the .ts files); or `--import tsx src/node.ts`. Its cluster workers
 * inherit them (node:cluster forks with the primary's execArgv), as they inherit tsx's.
 */
export function ordoNodeArgs(): string[] {
  const build = inject('ordoBuild');
  return build ? ['--enable-source-maps', join(build, 'src/node.js')] : ['--import', 'tsx', join(import.meta.dirname, '../../src/node.ts')];
}

/**
 * Starts Ordo with `env` added and waits for its "listening" line; rejects with its stderr if it
 * exits first. In its own process group, so that `killGroup` reaches the writer and every worker.
 */
export async function startOrdoProcess(env: Record<string, string>): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, ordoNodeArgs(), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  while (!/Ordo listening/.test(err)) {
    if (child.exitCode !== null) throw new Error(`Ordo did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, stderr: () => err };
}

/** Sends `signal` to the child's whole process group and waits for the child to exit. */
export async function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, signal);
  await exited;
}

/**
 * Runs Ordo with `env` added until it exits by itself (a refused configuration), killing its
 * process group if it is still running after `timeoutMs` (it started: the test fails).
 */
export async function runOrdoProcessToExit(env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ordoNodeArgs(), { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const timer = setTimeout(() => void killGroup(child), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, stderr: err };
}

/** A port held by this test process (all interfaces, as Ordo listens) until `release`. */
export const holdPort = () =>
  new Promise<{ port: number; release: () => Promise<void> }>((resolve) => {
    const s = createServer().listen(0, () => {
      const { port } = s.address() as { port: number };
      resolve({ port, release: () => new Promise<void>((done) => s.close(() => done())) });
    });
  });

/** The processes whose parent is `pid` (a primary's workers), from /proc: exact, no name guessed. */
export function childPids(pid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}

/** Whether process `pid` still exists (a zombie counts as gone only once reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the child's exit code (null: killed by a signal), or with 'running' after `timeoutMs`. */
export function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | null | 'running'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('running'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * Starts Ordo with `env` added, its stdout (the request log) and stderr (the banner, warnings)
 * both written to `file` through one descriptor, so that the file keeps the order in which every
 * process of the group wrote. In its own process group, like startOrdoProcess.
 */
export function spawnOrdoInto(file: string, env: Record<string, string>): ChildProcess {
  const fd = openSync(file, 'a');
  try {
    return spawn(process.execPath, ordoNodeArgs(), { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    closeSync(fd);
  }
}
