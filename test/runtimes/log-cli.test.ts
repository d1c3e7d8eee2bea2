/**
 * The transparency log's third parties, as they run them: `ordo log monitor` and `ordo log
 * witness` (child processes) against a real listening Ordo (issue, claim, dispense, then
 * integration). The monitor accepts honest growth and exits 3 on an entry rewritten in the
 * database, a fork (the log rebuilt over a rewritten event: same size, another root), a rollback
 * and another key; the witness, configured in Ordo, cosigns the honest checkpoints (published and
 * verifying) and refuses the forked one. Last, the monitor's checks across tile boundaries, on a
 * log of 700 leaves built here from tiles.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../src/log/checkpoint.js';
import { cosignatureVerifier, verifyCosignature } from '../../src/log/cosignature.js';
import { consistencyProof, leafHash, treeRoot } from '../../src/log/merkle.js';
import { monitorRound, type MonitorState } from '../../src/log/monitor.js';
import { noteSigner, noteVerifier, parseNote, verifierKeyOf } from '../../src/log/note.js';
import { appendLeaves, encodeEntryBundle, parseTilePath, tileReader, type Tile } from '../../src/log/tiles.js';
import { parseWitnessState } from '../../src/log/witness.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { generateSigningJwk } from '../../src/crypto/ordo-keys.js';
import { deriveLogKey } from '../../src/keys-config.js';
import { logVerifierKey } from '../../src/service/log/keys.js';
import { logTurn } from '../../src/service/log/turn.js';
import { issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { claim, dispense } from '../support/redeem.js';
import { ordoCliArgs, runOrdo } from '../support/run-ordo.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-log-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ordo = (...args: string[]) => runOrdo(args, { cwd: dir });
const h256 = (d: Uint8Array) => nodeSuite.sha256(d);

/** A prescription's whole story: issued, claimed, dispensed (three events). */
async function story(h: Harness, doctor: TestActor, pharmacy: TestActor) {
  const rx = await issue(h, doctor);
  const c = await claim(h, pharmacy, rx.code);
  expect(c.status).toBe(201);
  expect((await dispense(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }])).status).toBe(201);
}
const rewriteEvent = (h: Harness, seq: number) => h.rows('UPDATE events SET hash = ? WHERE seq = ? RETURNING seq', Buffer.from(randomBytes(32)), seq);
const checkpointNote = async (h: Harness) => (await h.send('GET', '/log/checkpoint')).text();

function expectProblem(r: { code: number; err: string }, pattern: RegExp) {
  expect(r.code, r.err).toBe(3);
  expect(r.err).toMatch(pattern);
  expect(r.err.trim().split('\n')).toHaveLength(1);
}

describe('ordo log monitor', () => {
  it('accepts honest growth; fails on a rewritten entry, a rollback, another key; refuses to run unpinned', async () => {
    const h = await makeHarness();
    try {
      const url = await h.listen();
      const [doctor, pharmacy] = [await h.addActor('prescriber'), await h.addActor('pharmacy')];
      const key = await logVerifierKey(h.deps);
      expect((await (await fetch(`${url}/.well-known/ordo-log-key`)).text()).trim()).toBe(key);
      const monitor = (state: string, ...more: string[]) => ordo('log', 'monitor', '--url', url, '--key', key, '--state', state, '--once', ...more);

      // Child processes run beside each other where they share no state file.
      const unpinned = ordo('log', 'monitor', '--url', url, '--state', 'a.json', '--once');
      await story(h, doctor, pharmacy);
      await logTurn(h.deps, { retry: true });
      expect((await unpinned).code).toBe(1);
      expect((await unpinned).err).toMatch(new RegExp(`--key is required.*curl ${url}/\\.well-known/ordo-log-key.*out of band`));
      const first = await monitor('a.json');
      expect(first.code, first.err).toBe(0);
      expect(first.out).toMatch(/^ordo\.test\/log size 3 root \S+: first checkpoint seen, 3 entries checked\n$/);
      const state = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')) as { origin: string; vkey: string; size: number; note: string };
      expect(state).toMatchObject({ origin: 'ordo.test/log', vkey: key, size: 3, note: await checkpointNote(h) });
      expect(statSync(join(dir, 'a.json')).mode & 0o777).toBe(0o600);

      await story(h, doctor, pharmacy);
      await logTurn(h.deps, { retry: true });
      const second = await monitor('a.json', '--json');
      expect(second.code, second.err).toBe(0);
      expect(JSON.parse(second.out)).toMatchObject({ size: 6, changed: true, previous: { size: 3 }, entriesChecked: 6 });

      // A rollback: the latest checkpoint gone, the log serves an older, smaller one.
      await story(h, doctor, pharmacy);
      await logTurn(h.deps, { retry: true });
      // The partial entry bundle is read whole: the 6 entries seen are checked again with the 3 new ones.
      expect((await monitor('a.json')).out).toMatch(/size 9 root \S+: consistent with size 6, 9 entries checked/);
      expect(await h.rows('DELETE FROM log_checkpoints WHERE size = 9 RETURNING size')).toHaveLength(1);
      expectProblem(await monitor('a.json'), /^Error: rollback: the log went back from size 9 to 6$/m);
      await logTurn(h.deps, { retry: true }); // signed again, the same (Ed25519 is deterministic)
      expect((await monitor('a.json')).out).toMatch(/size 9 root \S+: no new checkpoint/);

      // (a) An event rewritten in the database: its entry no longer hashes to the tile hash. And
      // another key of the same name: the checkpoint is not signed by it.
      expect(await rewriteEvent(h, 2)).toHaveLength(1);
      const impostor = verifierKeyOf(nodeSuite, await noteSigner(nodeSuite, 'ordo.test/log', await nodeSuite.ed25519FromSeed(new Uint8Array(randomBytes(32)))));
      const [fresh, unsigned, other] = await Promise.all([
        monitor('fresh.json'),
        ordo('log', 'monitor', '--url', url, '--key', impostor, '--state', 'c.json', '--once'),
        ordo('log', 'monitor', '--url', url, '--key', impostor, '--state', 'a.json', '--once'),
      ]);
      expectProblem(fresh, /^Error: mismatch: leaf 1 \(entry 1 of log\/tile\/entries\/000\.p\/9\) does not hash to its tile hash/);
      expectProblem(unsigned, /^Error: signature: the checkpoint is not signed by/);
      expect([other.code, other.err]).toEqual([1, expect.stringMatching(/follows the log key .* not --key/)]);
      await story(h, doctor, pharmacy);
      await logTurn(h.deps, { retry: true });
      expectProblem(await monitor('a.json'), /^Error: mismatch: leaf 1 /);
      expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'))).toMatchObject({ size: 9 }); // what was wrong is not stored
    } finally {
      await h.close();
    }
  });
});

/** `ordo ARGS… --json` left running in a child process: resolves on its first line (JSON), then collects the others. */
async function spawnOrdo(args: string[]) {
  const child = spawn('node', ordoCliArgs([...args, '--json']), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const first = new Promise<Record<string, unknown>>((ready, fail) => {
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
        lines.push(JSON.parse(buffered.slice(0, at)) as Record<string, unknown>);
        buffered = buffered.slice(at + 1);
        if (lines.length === 1) ready(lines[0]!);
      }
    });
    void exited.then((code) => fail(new Error(`ordo ${args.join(' ')} exited (${code}) before its first line: ${err}`)));
  });
  return { first: await first, lines, stop: () => (child.kill('SIGTERM'), exited) };
}

describe('ordo log witness, configured in Ordo', () => {
  it('cosigns the honest checkpoints, refuses the forked one; the monitor fails on the fork', async () => {
    const made = await ordo('log', 'witness-key', '--name', 'witness.test/w1', '--out', 'w.jwk', '--json');
    expect(made.code, made.err).toBe(0);
    const witnessKey = (JSON.parse(made.out) as { vkey: string }).vkey;
    expect(witnessKey).toMatch(/^witness\.test\/w1\+[0-9a-f]{8}\+B[A-P]/); // base64 of 0x04 ‖ key: B, then A to P
    expect(statSync(join(dir, 'w.jwk')).mode & 0o777).toBe(0o600);
    expect((await ordo('log', 'witness-key', '--name', 'witness.test/w1', '--out', 'w.jwk')).err).toMatch(/never overwrites/);

    // Ordo's keys fixed beforehand, so that the witness knows the log key before Ordo knows the witness's URL.
    const tokenRaw = new Uint8Array(randomBytes(32));
    const keys = { tokenKey: base64url.encode(tokenRaw), signingKey: await generateSigningJwk(), adminToken: base64url.encode(randomBytes(32)) };
    const logKey = verifierKeyOf(nodeSuite, await noteSigner(nodeSuite, 'ordo.test/log', await deriveLogKey(tokenRaw, nodeSuite)));
    const w = await spawnOrdo(['log', 'witness', '--log-key', logKey, '--key', 'w.jwk', '--name', 'witness.test/w1', '--state', 'witness.json', '--port', '0']);
    const { url: witnessUrl, vkey } = w.first as { url: string; vkey: string };
    const h = await makeHarness({ keys, env: { ORDO_LOG_WITNESSES: JSON.stringify([{ key: witnessKey, url: witnessUrl }]) } });
    try {
      expect(vkey).toBe(witnessKey);
      const url = await h.listen();
      expect(await logVerifierKey(h.deps)).toBe(logKey);
      const [doctor, pharmacy] = [await h.addActor('prescriber'), await h.addActor('pharmacy')];
      const verifier = await cosignatureVerifier(nodeSuite, witnessKey);
      /** The witness's line on the published checkpoint, checked. */
      const cosigned = async () => {
        const parsed = parseNote(await checkpointNote(h));
        if (!parsed.ok) throw new Error(parsed.reason);
        const line = parsed.signatures.find((s) => s.name === 'witness.test/w1')?.line;
        return line ? verifyCosignature(nodeSuite, verifier, parsed.text, line) : undefined;
      };
      const monitor = () => ordo('log', 'monitor', '--url', url, '--key', logKey, '--witness', witnessKey, '--state', 'm.json', '--once');

      for (const size of [3, 6]) {
        await story(h, doctor, pharmacy);
        await logTurn(h.deps, { retry: true });
        expect(await cosigned(), JSON.stringify(h.logs.filter((l) => l.level === 'error'))).toMatchObject({ ok: true, timestamp: expect.any(Number) });
        const seen = await monitor();
        expect(seen.code, seen.err).toBe(0);
        expect(seen.out).toMatch(new RegExp(`size ${size} root \\S+: .*; cosigned by witness\\.test/w1\\n$`));
      }
      expect(w.lines.slice(1).map((l) => [l.status, l.size])).toEqual([[200, 3], [200, 6]]);
      const honest = parseWitnessState(readFileSync(join(dir, 'witness.json'), 'utf8'))!;
      expect(honest.size).toBe(6);
      expect(statSync(join(dir, 'witness.json')).mode & 0o777).toBe(0o600);
      // Without --once, the monitor follows until it is stopped.
      const follower = await spawnOrdo(['log', 'monitor', '--url', url, '--key', logKey, '--state', 'follow.json', '--interval', '1']);
      expect(follower.first).toMatchObject({ size: 6, changed: true, entriesChecked: 6 });
      expect(await follower.stop()).toBe(0);

      // (b) Ordo rewrites an event and rebuilds its log over it: the same size, another root.
      expect(await rewriteEvent(h, 2)).toHaveLength(1);
      // Its cosignatures left behind: a new checkpoint of that size must not be published with them.
      for (const table of ['log_tiles', 'log_checkpoints']) await h.rows(`DELETE FROM ${table} RETURNING 1`);
      await logTurn(h.deps, { retry: true });
      expect((await h.store.log.head())!.size).toBe(6);
      expect(await cosigned()).toBeUndefined();
      expect(h.logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'log checkpoint not cosigned', witness: 'witness.test/w1', size: 6, message: expect.stringMatching(/HTTP 409: size 6 was cosigned with root/) }));
      // Asked from 0 (Ordo lost what it knew), told 6, asked from 6: the fork.
      expect(w.lines.slice(3).map((l) => [l.status, l.reason])).toEqual([[409, 'stale-old-size'], [409, 'fork']]);
      expect(parseWitnessState(readFileSync(join(dir, 'witness.json'), 'utf8'))).toEqual(honest);
      expectProblem(await monitor(), /^Error: fork: size 6 now has root \S+, not \S+ as seen before$/m);
    } finally {
      await h.close();
      expect(await w.stop()).toBe(0);
      expect(w.lines.at(-1)).toEqual({ stopped: true });
    }
  });
});

describe('the monitor across tiles', () => {
  /** A log served from memory: its tiles built by appendLeaves, its entries, a checkpoint signed for the latest size. */
  async function memoryLog(entries: Uint8Array[], signer: Awaited<ReturnType<typeof noteSigner>>) {
    const tiles = new Map<string, Uint8Array>();
    let size = 0;
    let note = '';
    const source = async (level: number, index: number): Promise<Tile | undefined> => {
      const hashes = tiles.get(`${level}/${index}`);
      return hashes && { level, index, hashes };
    };
    const log = {
      entries, tiles, lie: { proof: false },
      async grow(to: number) {
        const added = await appendLeaves(h256, size, entries.slice(size, to).map((e) => leafHash(h256, e)), source);
        for (const t of added.tiles) tiles.set(`${t.level}/${t.index}`, t.hashes);
        size = to;
        note = await signCheckpoint(nodeSuite, { origin: 'mem.example/log', size, root: await treeRoot(h256, size, tileReader(h256, size, source)) }, signer);
      },
      async fetch(path: string): Promise<Uint8Array> {
        if (path === 'log/checkpoint') return new TextEncoder().encode(note);
        const proof = /^log\/proof\/consistency\?from=(\d+)&size=(\d+)$/.exec(path);
        if (proof) {
          const hashes = await consistencyProof(h256, Number(proof[1]), Number(proof[2]), tileReader(h256, size, source));
          return new TextEncoder().encode(JSON.stringify({ proof: hashes.map((x) => Buffer.from(log.lie.proof ? new Uint8Array(32) : x).toString('base64')) }));
        }
        const t = parseTilePath(path.replace(/^log\//, ''));
        if (!t) throw new Error(`no ${path}`);
        if (t.level === 'entries') return encodeEntryBundle(entries.slice(t.index * 256, t.index * 256 + t.width));
        const hashes = tiles.get(`${t.level}/${t.index}`);
        if (!hashes || hashes.length < t.width * 32) throw new Error(`no ${path}`);
        return hashes.subarray(0, t.width * 32);
      },
    };
    return log;
  }

  it('grows from 300 to 700 leaves (three level-0 tiles, a level-1 tile), and catches a changed entry, a rewritten past, a lying proof', async () => {
    const signer = await noteSigner(nodeSuite, 'mem.example/log', await nodeSuite.ed25519FromSeed(new Uint8Array(randomBytes(32))));
    const vkey = verifierKeyOf(nodeSuite, signer);
    const entries = Array.from({ length: 700 }, () => new Uint8Array(randomBytes(32)));
    const log = await memoryLog(entries, signer);
    const opts = { suite: nodeSuite, vkey, log: await noteVerifier(nodeSuite, vkey), fetch: (p: string) => log.fetch(p) };

    await log.grow(300);
    const first = await monitorRound(opts, undefined);
    expect(first).toMatchObject({ ok: true, changed: true, entriesChecked: 300, checkpoint: { size: 300 } });
    const at300 = (first as { state: MonitorState }).state;
    await log.grow(700);
    const second = await monitorRound(opts, at300);
    expect(second).toMatchObject({ ok: true, changed: true, entriesChecked: 256 + 188, previous: { size: 300 } });
    expect(await monitorRound(opts, (second as { state: MonitorState }).state)).toMatchObject({ ok: true, changed: false });

    log.lie.proof = true;
    expect(await monitorRound(opts, at300)).toMatchObject({ ok: false, problem: 'mismatch', message: expect.stringMatching(/consistency proof from size 300 to 700 does not verify/) });
    log.lie.proof = false;

    const saved = entries[600]!;
    entries[600] = new Uint8Array(32);
    expect(await monitorRound(opts, at300)).toMatchObject({ ok: false, problem: 'mismatch', message: expect.stringMatching(/^leaf 600 \(entry 88 of log\/tile\/entries\/002\.p\/188\)/) });
    entries[600] = saved;

    // Another history of 700 leaves (leaf 5 differs), honestly tiled and signed: not the 300 seen.
    const other = await memoryLog(entries.map((e, i) => (i === 5 ? new Uint8Array(32) : e)), signer);
    await other.grow(700);
    expect(await monitorRound({ ...opts, fetch: (p) => other.fetch(p) }, at300)).toMatchObject({ ok: false, problem: 'fork', message: expect.stringMatching(/tiles of size 700 give size 300 the root/) });
  });
});
