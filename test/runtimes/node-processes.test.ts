/**
 * `npm start`'s processes as an operator meets them (the real entry, in child processes): a
 * start that cannot listen stops everything with one line and exit code 2 instead of respawning
 * workers forever; a worker dying right after start is a crash loop, not replaced; a worker
 * exiting later is replaced and the primary says why it exited; the banner comes before any
 * request is logged; Ctrl-C stops the workers, then the writer closes its store.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { generateKey } from '../../src/client/sign.js';
import { alive, childPids, exitOf, freePort, holdPort, killGroup, runOrdoProcessToExit, spawnOrdoInto, startOrdoProcess } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const envAt = (name: string) => ({ ORDO_DB: join(dir, name, 'data/ordo.db'), ORDO_SECRETS: join(dir, name, 'secrets'), ORDO_ISSUER: '' });
const lines = (text: string) => text.trim().split('\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The one line a refused start prints: exit 2, no stack trace. */
function expectOneLine(r: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(lines(r.stderr), r.stderr).toEqual([expect.stringMatching(pattern)]);
}

for (const workers of ['1', '2']) {
  it(`a port in use (ORDO_WORKERS=${workers}): one line naming the port and PORT=…, exit 2, no respawn`, async () => {
    const held = await holdPort();
    try {
      const r = await runOrdoProcessToExit({ ...envAt(`busy-${workers}`), PORT: String(held.port), ORDO_WORKERS: workers }, 15_000);
      expectOneLine(r, new RegExp(`^Ordo could not start: port ${held.port} is already in use\\b.*PORT=`));
    } finally {
      await held.release();
    }
  });
}

it('a bad PORT or ORDO_TRUST_PROXY with several workers: refused in the primary before forking, one line, exit 2', async () => {
  const port = await runOrdoProcessToExit({ ...envAt('bad-port'), PORT: 'abc', ORDO_WORKERS: '2' });
  expectOneLine(port, /^Invalid configuration: PORT: a port number, 0 to 65535$/);
  const proxy = await runOrdoProcessToExit({ ...envAt('bad-proxy'), PORT: '0', ORDO_TRUST_PROXY: 'yes', ORDO_WORKERS: '2' });
  expectOneLine(proxy, /^Invalid configuration: ORDO_TRUST_PROXY: /);
});

it('a worker dying right after start is a crash loop: not replaced, the primary stops everything with one line', async () => {
  const port = await freePort();
  const { child, stderr } = await startOrdoProcess({ ...envAt('crash-loop'), PORT: String(port), ORDO_WORKERS: '2' });
  try {
    const workers = childPids(child.pid!);
    expect(workers).toHaveLength(2);
    const banner = stderr().length;
    process.kill(workers[0]!, 'SIGKILL');
    expect(await exitOf(child, 10_000), stderr()).toBe(1);
    const said = lines(stderr().slice(banner));
    expect(said, stderr()).toEqual([expect.stringMatching(new RegExp(`^Ordo stopped: worker ${workers[0]} was killed by SIGKILL [\\d.]+ s after it started listening.*crash loop`))]);
    await sleep(200);
    expect(workers.filter(alive)).toEqual([]);
  } finally {
    await killGroup(child);
  }
});

it('a worker exiting after serving is replaced, and the primary says why it exited (signal or exit code)', async () => {
  const port = await freePort();
  const { child, stderr } = await startOrdoProcess({ ...envAt('replaced'), PORT: String(port), ORDO_WORKERS: '2' });
  try {
    const first = childPids(child.pid!);
    expect(first).toHaveLength(2);
    await sleep(5500); // past the crash-loop window
    process.kill(first[0]!, 'SIGKILL');
    process.kill(first[1]!, 'SIGTERM'); // not from the primary: the worker closes and exits 0
    const replaced = async () => {
      for (let i = 0; i < 200; i++) {
        const now = childPids(child.pid!);
        if (now.length === 2 && !now.some((p) => first.includes(p)) && /exited with code 0/.test(stderr())) return now;
        await sleep(50);
      }
      throw new Error(`workers not replaced:\n${stderr()}`);
    };
    await replaced();
    expect(stderr()).toMatch(new RegExp(`\\nworker ${first[0]} was killed by SIGKILL after [\\d.]+ s; starting another\\n`));
    expect(stderr()).toMatch(new RegExp(`\\nworker ${first[1]} exited with code 0 after [\\d.]+ s; starting another\\n`));
    expect(child.exitCode).toBeNull();
    // Both were gone at once, so the port closed until a replacement listens: it serves again.
    let status = 0;
    for (let i = 0; i < 200 && status !== 200; i++) {
      status = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
      if (status !== 200) await sleep(50);
    }
    expect(status).toBe(200);
    expect(child.exitCode).toBeNull();
  } finally {
    await killGroup(child);
  }
}, 30_000);

it('a worker dying of an uncaught error: the primary names the error on one line, its stack goes to the log, a replacement starts', async () => {
  // Preloaded into every process of the group: the sweeping worker throws once, 10 s after it starts
  // (past the crash-loop window, however slow its start).
  const preload = join(dir, 'throw-once.mjs');
  const once = join(dir, 'thrown');
  writeFileSync(
    preload,
    `import cluster from 'node:cluster';\nimport { existsSync, writeFileSync } from 'node:fs';\n` +
      `if (cluster.isWorker && process.env.ORDO_SWEEPER === '1' && !existsSync(${JSON.stringify(once)})) setTimeout(() => { writeFileSync(${JSON.stringify(once)}, ''); throw new TypeError('boom in a worker'); }, 10_000);\n`,
  );
  const port = await freePort();
  const out = join(dir, 'uncaught.log');
  const child = spawnOrdoInto(out, { ...envAt('uncaught'), PORT: String(port), ORDO_WORKERS: '2', NODE_OPTIONS: `--import ${preload}` });
  try {
    const text = () => readFileSync(out, 'utf8');
    for (let i = 0; i < 500 && !/starting another/.test(text()); i++) {
      if (child.exitCode !== null) throw new Error(`Ordo exited:\n${text()}`);
      await sleep(50);
    }
    const log = text();
    expect(log).toMatch(/\nworker \d+ exited with code 1 \(TypeError: boom in a worker\) after [\d.]+ s; starting another\n/);
    const crashed = log.split('\n').filter((l) => l.includes('"worker crashed"'));
    expect(crashed, log).toHaveLength(1);
    expect(JSON.parse(crashed[0]!)).toMatchObject({ level: 'error', msg: 'worker crashed', error: 'TypeError', message: 'boom in a worker', stack: expect.stringContaining('throw-once.mjs') });
    expect(log.replace(crashed[0]!, '')).not.toMatch(/\n\s+at /); // no stack trace but in that log line
    expect(child.exitCode).toBeNull();
  } finally {
    await killGroup(child);
  }
}, 45_000);

for (const workers of ['3', '1']) {
  it(`the banner comes before any request is logged, even for a request sent the instant the port opens (ORDO_WORKERS=${workers})`, async () => {
    const port = await freePort();
    const out = join(dir, `order-${workers}.log`);
    const child = spawnOrdoInto(out, { ...envAt(`order-${workers}`), PORT: String(port), ORDO_WORKERS: workers });
    const text = () => readFileSync(out, 'utf8');
    try {
      const hit = () => fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0);
      // Knock until the port opens, several requests at a time, then until one is logged.
      let answered = 0;
      for (let i = 0; i < 2000 && !/"reqId"/.test(text()); i++) {
        if (child.exitCode !== null) throw new Error(`Ordo exited:\n${text()}`);
        answered += (await Promise.all([hit(), hit(), hit()])).filter((s) => s === 200).length;
        if (!answered) await sleep(5);
      }
      const log = text();
      expect(log).toMatch(/"reqId"/);
      expect(log.indexOf('Ordo listening'), log).toBeGreaterThanOrEqual(0);
      expect(log.indexOf('Ordo listening'), log).toBeLessThan(log.indexOf('"reqId"'));
    } finally {
      await killGroup(child);
    }
  });
}

it('Ctrl-C (SIGINT to the group): the workers stop, then the writer closes its store, the log checkpointed into ordo.db; exit 0', async () => {
  const port = await freePort();
  const env = envAt('ctrl-c');
  const { child } = await startOrdoProcess({ ...env, PORT: String(port), ORDO_WORKERS: '2' });
  const workers = childPids(child.pid!);
  try {
    const adminToken = readFileSync(join(env.ORDO_SECRETS, 'admin-token'), 'utf8').trim();
    const ordo = new OrdoClient({ url: `http://127.0.0.1:${port}`, issuer: `http://localhost:${port}`, adminToken });
    await ordo.addActor({ id: 'ctrl-c-md', kind: 'prescriber', name: 'Dr Stop', keys: [(await generateKey()).publicJwk] });
  } finally {
    await killGroup(child, 'SIGINT');
  }
  expect(child.exitCode).toBe(0);
  expect(workers.filter(alive)).toEqual([]);
  const wal = `${env.ORDO_DB}-wal`;
  expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
});
