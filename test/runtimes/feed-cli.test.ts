/**
 * `ordo feed` as a pharmacy's script runs it, against a real listening Ordo: one page, then
 * `--follow --json` in a child process that prints the cancel of a prescription it holds as it
 * comes, and ends cleanly (exit 0) when interrupted. And the SDK's `feed()` iterator.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { followFeed } from '../../examples/follow-feed.js';
import { signingKeyFromJwk } from '../../src/client/keys.js';
import type { V1FeedEvent } from '../../src/contract/feed.js';
import { ISSUER, issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { cancel, claim } from '../support/redeem.js';
import { expectRefusal, ordoCliArgs, runOrdo } from '../support/run-ordo.js';

const root = join(import.meta.dirname, '../..');
const guide = readFileSync(join(root, 'docs/integrating.md'), 'utf8');
/** The fenced blocks of docs/integrating.md § The event feed, as a reader copies them. */
const feedSection = guide.slice(guide.indexOf('## The event feed'), guide.indexOf('\n## ', guide.indexOf('## The event feed') + 1));
const blocks = (lang: string) => [...feedSection.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
let privateJwk: Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), 'ordo-feed-cli-'));
let h: Harness;
let url: string;
let tick: ReturnType<typeof setInterval>;
let doctor: TestActor;
let pharmacy: TestActor;
const oneItem = { items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3/j', quantity: 2, unit: 'boîte' }] };

beforeAll(async () => {
  h = await makeHarness();
  // The CLI signs with the real clock.
  h.clock.now = Date.now();
  tick = setInterval(() => (h.clock.now = Date.now()), 5);
  url = await h.listen();
  doctor = await h.addActor('prescriber');
  // A pharmacy whose private key is a file, as a user keeps it.
  const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const jwk = await exportJWK(privateKey);
  privateJwk = jwk;
  writeFileSync(join(dir, 'ph.jwk'), JSON.stringify(jwk), { mode: 0o600 });
  const key = await signingKeyFromJwk(jwk);
  expect((await h.admin('POST', '/v1/admin/actors', { id: 'ph-feed', kind: 'pharmacy', name: 'Pharmacie du Flux', keys: [key.publicJwk] })).status).toBe(201);
  pharmacy = { id: 'ph-feed', kind: 'pharmacy', key };
});
afterAll(async () => {
  clearInterval(tick);
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ ORDO_URL: url, ORDO_ISSUER: ISSUER, ORDO_KEY: 'ph.jwk', ORDO_AS: 'ph-feed' });

it('prints one page with its cursor, or JSON', async () => {
  const rx = await issue(h, doctor, oneItem);
  expect((await claim(h, pharmacy, rx.code)).status).toBe(201);
  const page = await runOrdo(['feed'], { cwd: dir, env: env() });
  expect(page.code, page.err).toBe(0);
  expect(page.out).toMatch(new RegExp(`^\\d+  \\S+  ${rx.id}#1  claimed  pharmacy ph-feed  claim \\S+\\ncursor \\d+\\n$`));
  const json = await runOrdo(['feed', '--json', '--limit', '1'], { cwd: dir, env: env() });
  expect(JSON.parse(json.out)).toMatchObject({ events: [{ prescriptionId: rx.id, type: 'claimed' }] });
  expectRefusal(await runOrdo(['feed', '--after', 'x'], { cwd: dir, env: env() }), /400 bad_request.*after/);
  expectRefusal(await runOrdo(['feed', '--wait', 'soon'], { cwd: dir, env: env() }), /--wait/);
});

it('--follow prints each event as it comes, and stops cleanly when interrupted', async () => {
  const rx = await issue(h, doctor, oneItem);
  expect((await claim(h, pharmacy, rx.code)).status).toBe(201);
  // The guide's command, word for word (its environment: ORDO_URL, ORDO_KEY, ORDO_AS).
  const command = blocks('sh').flatMap((b) => b.split('\n')).find((l) => l.startsWith('npx ordo feed --follow'))!;
  expect(command).toBe('npx ordo feed --follow --json --after 0');
  const child = spawn('node', ordoCliArgs(command.split(' ').slice(2)), { cwd: dir, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as V1FeedEvent);
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  };
  await until(() => lines().some((e) => e.prescriptionId === rx.id));
  expect((await cancel(h, doctor, rx.id)).status).toBe(200);
  await until(() => lines().some((e) => e.prescriptionId === rx.id && e.type === 'cancelled'));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  child.kill('SIGINT');
  expect(await exit, err).toBe(0);
  const seqs = lines().map((e) => e.seq);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(lines().filter((e) => e.prescriptionId === rx.id).map((e) => e.type)).toEqual(['claimed', 'cancelled']);
});

it("the guide's SDK example (examples/follow-feed.ts) follows the cursor, saves it, and ends with its signal", async () => {
  expect(blocks('ts')[0]).toBe(readFileSync(join(root, 'examples/follow-feed.ts'), 'utf8'));
  const stop = new AbortController();
  const got: V1FeedEvent[] = [];
  const saved: string[] = [];
  const rx = await issue(h, doctor, oneItem);
  const reading = followFeed({
    url, issuer: ISSUER, pharmacyId: pharmacy.id, privateJwk, cursor: '0', signal: stop.signal,
    handle: async (e) => {
      got.push(e);
      if (e.prescriptionId === rx.id && e.type === 'cancelled') stop.abort();
    },
    saveCursor: async (cursor) => void saved.push(cursor),
  });
  expect((await claim(h, pharmacy, rx.code)).status).toBe(201);
  expect((await cancel(h, doctor, rx.id)).status).toBe(200);
  await reading;
  const seqs = got.map((e) => e.seq);
  expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(saved).toEqual(seqs.map(String));
  expect(got.filter((e) => e.prescriptionId === rx.id).map((e) => e.type)).toEqual(['claimed', 'cancelled']);
});
