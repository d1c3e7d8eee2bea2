/** Ordo as `npm start` runs it (`node --import tsx src/node.ts`), in a child process, for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A port nobody listens on right now. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const entry = join(import.meta.dirname, '../../src/node.ts');

/**
 * Starts Ordo with `env` added and waits for its "listening" line; rejects with its stderr if it
 * exits first. In its own process group, so that `killGroup` reaches the writer and every worker.
 */
export async function startOrdoProcess(env: Record<string, string>): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
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
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const timer = setTimeout(() => void killGroup(child), timeoutMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, stderr: err };
}
