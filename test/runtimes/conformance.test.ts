/**
 * `ordo conformance` as an operator runs it: the real CLI in a child process against Ordo as
 * `npm start` runs it (a child process, its own database and secrets, the cluster this machine
 * gets), then the example of docs/conformance.md as written; and against a proxy in front of that
 * Ordo that breaks the contract (it answers a replayed request from its cache), where the
 * command must exit 1 naming the failing check. On `npm run dev:worker`: test/runtimes/dev-worker.test.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { checks } from '../../src/conformance/index.js';
import { ordoCliArgs, runOrdo, expectRefusal } from '../support/run-ordo.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'ordo-conformance-'));
/** Every check, in the report's order (src/conformance/index.ts). */
const CHECKS = checks.map((c) => c.name);
const N = CHECKS.length;
let child: ChildProcess | undefined;
const servers: Server[] = [];
let env: Record<string, string>;

type Front = (req: { method: string; url: string; authorization?: string; body: Buffer }, forward: () => Promise<Response>) => Promise<Response>;
const HOP_BY_HOP = ['host', 'connection', 'content-length', 'content-encoding', 'transfer-encoding', 'keep-alive'];

/** A reverse proxy to `upstream` that lets `front` answer each request, or forward it; answers stream through (long polls, Server-Sent Events). */
function proxy(upstream: string, front: Front): Promise<Server> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const forward = () => {
      const headers = Object.entries(req.headers).filter(([k]) => !HOP_BY_HOP.includes(k)) as [string, string][];
      return fetch(`${upstream}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, signal: gone.signal });
    };
    try {
      const answer = await front({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body: Buffer.concat(chunks) }, forward);
      res.writeHead(answer.status, [...answer.headers].filter(([k]) => !HOP_BY_HOP.includes(k)));
      if (answer.body) await pipeline(Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream), res);
      else res.end();
    } catch {
      res.destroy(); // the caller went away, or Ordo did
    }
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

/**
 * A careless cache in front: the answers to GET /v1/prescriptions kept by their Authorization
 * header, so that a replayed request token is answered from the cache and Ordo's replay guard
 * never sees it.
 */
function replayHidingCache(): Front {
  const cache = new Map<string, { status: number; headers: Headers; body: ArrayBuffer }>();
  return async (req, forward) => {
    const key = req.method === 'GET' && req.url === '/v1/prescriptions' ? req.authorization : undefined;
    if (!key) return forward();
    let hit = cache.get(key);
    if (!hit) {
      const r = await forward();
      hit = { status: r.status, headers: r.headers, body: await r.arrayBuffer() };
      if (hit.status === 200) cache.set(key, hit);
    }
    return new Response(hit.body, { status: hit.status, headers: hit.headers });
  };
}

/**
 * A front that loses every 5th POST before Ordo sees it and says so with a 503 of its own (as
 * `wrangler dev`'s proxy does), each request (its token and body) once at most: the CLI sends a
 * lost request again up to twice, and among 30 sent at once the same one could otherwise land on
 * every 5th three times running (a run in four or five, in CI).
 */
function losingEveryFifthPost(): Front {
  let posts = 0;
  const lost = new Set<string>();
  return async (req, forward) => {
    const request = `${req.authorization ?? ''} ${req.body.toString('base64')}`;
    if (req.method === 'POST' && !lost.has(request) && ++posts % 5 === 0) {
      lost.add(request);
      return new Response('Your worker restarted mid-request.', { status: 503, headers: { 'content-type': 'text/plain', 'retry-after': '0' } });
    }
    return forward();
  };
}

beforeAll(async () => {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const started = await startOrdoProcess({ PORT: String(port), ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets'), ORDO_ISSUER: issuer });
  child = started.child;
  env = { ORDO_URL: issuer, ORDO_ISSUER: issuer, ORDO_ADMIN_TOKEN: readFileSync(join(dir, 'secrets/admin-token'), 'utf8').trim() };
}, 60_000);
afterAll(async () => {
  if (child) await killGroup(child);
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

const conformance = (args: string[], more: Record<string, string> = {}) => runOrdo(['conformance', ...args], { cwd: dir, env: { ...env, ...more } });

describe('ordo conformance against Ordo on Node (npm start)', () => {
  it('passes every check, one line each, exit 0; the actors it registered are suspended', async () => {
    const r = await conformance([]);
    expect(r.code, r.out + r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Ordo conformance: ${env.ORDO_URL} \\(issuer ${env.ORDO_ISSUER}\\), ${N} checks, test actors conformance-[a-z2-7]{8}-\\*$`));
    expect(lines.slice(1, -1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual(CHECKS.map((c) => ['ok', c]));
    for (const l of lines.slice(1, -1)) expect(l).toMatch(/\d+\.\d s$/);
    expect(lines.at(-1)).toMatch(new RegExp(`^${N} checks: ${N} passed, 0 failed in \\d+\\.\\d s$`));

    const json = await conformance(['--json', '--only', 'story,replay']);
    expect(json.code, json.err).toBe(0);
    const report = JSON.parse(json.out) as { ok: boolean; run: string; checks: { name: string; ok: boolean; actors: string[] }[] };
    expect(report).toMatchObject({ ok: true, passed: 2, failed: 0, url: env.ORDO_URL });
    expect(report.checks.map((c) => c.name)).toEqual(['story', 'replay']); // the suite's order
    const actors = report.checks.flatMap((c) => c.actors);
    expect(actors).toEqual([`conformance-${report.run}-story-md`, `conformance-${report.run}-story-ph-a`, `conformance-${report.run}-story-ph-b`, `conformance-${report.run}-replay-md`]);
    const ordo = new OrdoClient({ url: env.ORDO_URL!, issuer: env.ORDO_ISSUER });
    for (const id of actors) expect((await ordo.directory(id)).status, id).toBe('suspended');
  }, 120_000);

  it("runs docs/conformance.md's example as written", async () => {
    const doc = readFileSync(join(root, 'docs/conformance.md'), 'utf8');
    const block = /<!-- conformance-example -->\n```sh\n([\s\S]*?)```\n<!-- \/conformance-example -->/.exec(doc)?.[1];
    expect(block).toBeTruthy();
    // `npx ordo` bound to this checkout's CLI, as the compiled tests run it.
    const script = `set -euo pipefail\nnpx() { shift; node ${ordoCliArgs([]).map((a) => JSON.stringify(a)).join(' ')} "$@"; }\n${block}`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
    expect(stdout).toMatch(new RegExp(`^${N} checks: ${N} passed, 0 failed`, 'm'));
    expect(JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8'))).toMatchObject({ ok: true, passed: 2, failed: 0 });
  }, 150_000);

  it('refuses usage errors in one line, exit 1, before anything is sent', async () => {
    expectRefusal(await conformance(['--only', 'story', 'nosuch']), /^Error: --only nosuch: no such check \(the checks are service, pages, story/);
    expectRefusal(await conformance([], { ORDO_ADMIN_TOKEN: '' }), /^Error: conformance registers its own test actors: give --admin-token/);
    expectRefusal(await conformance(['--log-wait', '0']), /^Error: .*--log-wait.*whole number of seconds, 1 or more/);
    expectRefusal(await conformance([], { ORDO_URL: 'ftp://x' }), /^Error: --url ftp:\/\/x is not an http\(s\) URL/);
  });

  it('prints how to use it, and that it writes test data', async () => {
    const r = await runOrdo(['conformance', '--help'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/writes test data into the deployment/);
    expect(r.out).toMatch(/sandbox or a\s+staging deployment/);
    expect(r.out).toContain(`Checks: ${CHECKS.join(', ')}`);
  });
});

describe('ordo conformance through a front that is not Ordo', () => {
  it('exits 1 and names the failing check when the front breaks the contract (a cache answers a replayed token)', async () => {
    const url = urlOf(await proxy(env.ORDO_URL!, replayHidingCache()));
    const r = await conformance(['--url', url]);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/^FAIL {2}replay +\d+\.\d s {2}the same request token sent again: status and problem code: expected \[401,"replayed_token"\], got \[200,null\]$/m);
    for (const c of CHECKS.filter((n) => n !== 'replay')) expect(r.out).toMatch(new RegExp(`^ok {4}${c} `, 'm'));
    expect(r.out.trim().split('\n').at(-1)).toMatch(new RegExp(`^${N} checks: ${N - 1} passed, 1 failed \\(replay\\) in `));

    const json = await conformance(['--url', url, '--only', 'replay', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, passed: 0, failed: 1, checks: [{ name: 'replay', ok: false, reason: expect.stringMatching(/replayed_token/) }] });
  }, 120_000);

  it("sends again, and counts, a request that the front lost with a 503 of its own; passes when Ordo keeps the contract", async () => {
    const r = await conformance(['--url', urlOf(await proxy(env.ORDO_URL!, losingEveryFifthPost()))]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toMatch(new RegExp(`^${N} checks: ${N} passed, 0 failed in \\d+\\.\\d s; \\d+ requests sent again after a 503 from in front of Ordo$`));
  }, 120_000);
});

describe('ordo conformance against a sandbox (ORDO_SANDBOX=1), as an integrator runs it', () => {
  // The sandbox's clock has moved (the seeding moved it): the CLI learns its time from /healthz
  // and from the serverTime of token_expired, signs on it, and the story's trace verifies.
  it('passes every check there too', async () => {
    const box = mkdtempSync(join(tmpdir(), 'ordo-conformance-sandbox-'));
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const sandbox = await startOrdoProcess({ PORT: String(port), ORDO_DB: join(box, 'data/ordo.db'), ORDO_SECRETS: join(box, 'secrets'), ORDO_ISSUER: issuer, ORDO_SANDBOX: '1' });
    try {
      const r = await runOrdo(['conformance'], { cwd: box, env: { ORDO_URL: issuer, ORDO_ISSUER: issuer, ORDO_ADMIN_TOKEN: readFileSync(join(box, 'secrets/admin-token'), 'utf8').trim() } });
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out.trim().split('\n').at(-1)).toMatch(new RegExp(`^${N} checks: ${N} passed, 0 failed`));
    } finally {
      await killGroup(sandbox.child);
      rmSync(box, { recursive: true, force: true });
    }
  }, 150_000);
});
