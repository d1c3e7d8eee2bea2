/**
 * Crash consistency: Ordo as `npm start` runs it (a writer and two workers, or one process with a
 * writer thread, in turns, on a SQLite file; on PostgreSQL, two workers or one process, each
 * committing its own), under
 * concurrent issue/claim/dispense, killed with SIGKILL at a random moment, restarted, again and
 * again. After every restart:
 * - every answer with a 2xx that carried a receipt names an event that is stored, with that hash
 *   (`synchronous = FULL`: a commit returns only once its WAL frames are on disk, and Ordo answers
 *   only after its commit returned, so an acknowledged step survives the loss of the process);
 * - no item is dispensed beyond its total;
 * - every prescription's trace verifies with the offline verifier;
 * - `PRAGMA integrity_check` says ok (SQLite);
 * - the transparency log (integrating every 100 ms, killed mid-integration too) never published
 *   two checkpoints of one size with different roots, never went back to a smaller one, every
 *   checkpoint seen is consistent with the last, and the last one's tree is exactly the events'
 *   hashes in seq order.
 */
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64url, decodeJwt } from 'jose';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { exportTrace, verifyBundle } from '../../src/client/bundle.js';
import { OrdoClient } from '../../src/client/client.js';
import { OrdoProblemError } from '../../src/client/errors.js';
import { generateKey } from '../../src/client/sign.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';
import { openStoredTerms, type StoredRow } from '../support/sealed.js';
import { freshDatabase } from '../support/postgres.js';
import { fromPgPacked } from '../../src/store/pg/schema.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { leafHash, nodeHash, verifyConsistency } from '../../src/log/merkle.js';
import { noteVerifier } from '../../src/log/note.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';

const CYCLES = Number(process.env.ORDO_CRASH_CYCLES ?? 20);
const issuer = 'https://ordo.test';
let child: ChildProcess | undefined;
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  if (child) await killGroup(child);
  for (const c of cleanups) await c();
});

/** SIGKILL to the whole process group: no handler runs, nothing is flushed on the way out. */
const kill = (c: ChildProcess) => killGroup(c, 'SIGKILL');

type Ack = { prescriptionId: string; index: number; hash: string };
type Prescription = StoredRow & { progress: string };

/** What the test reads in the database once every process is dead: the hash stored at an index, every prescription. */
type Inspect = { hashAt(prescriptionId: string, index: number): Promise<string | undefined>; prescriptions(): Promise<Prescription[]>; eventHashes(): Promise<Uint8Array[]> };

const SELECT_PRESCRIPTIONS = 'SELECT id, code_version "codeVersion", token_key_id "tokenKeyId", terms, progress FROM prescriptions';

it(`on SQLite, keeps every acknowledged step through ${CYCLES} SIGKILLs under load`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-crash-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'data/ordo.db');
  await crashCycles(dir, { ORDO_DB: db }, async (check) => {
    const sqlite = new Database(db, { readonly: true });
    try {
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = sqlite.prepare('SELECT hash FROM events WHERE prescription_id = ? AND idx = ?');
      // Stored as 32 bytes (store/codec.ts).
      const hashOf = (r: { hash: Buffer | string } | undefined) => (r && Buffer.isBuffer(r.hash) ? r.hash.toString('base64url') : (r?.hash as string | undefined));
      await check({
        hashAt: async (id, idx) => hashOf(stored.get(id, idx) as { hash: Buffer | string } | undefined),
        prescriptions: async () => sqlite.prepare(SELECT_PRESCRIPTIONS).all() as Prescription[],
        eventHashes: async () => (sqlite.prepare('SELECT hash FROM events ORDER BY seq').all() as { hash: Buffer }[]).map((r) => new Uint8Array(r.hash)),
      });
    } finally {
      sqlite.close();
    }
  });
}, 300_000);

it(`on PostgreSQL, keeps every acknowledged step through ${CYCLES} SIGKILLs under load`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-crash-'));
  const database = await freshDatabase();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), database.drop);
  await crashCycles(dir, { ORDO_DB: database.url }, async (check) => {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    try {
      // Packed values are tagged bytea (store/pg/schema.ts).
      await check({
        hashAt: async (id, idx) => {
          const r = (await c.query('SELECT hash FROM events WHERE prescription_id = $1 AND idx = $2', [id, idx])).rows[0] as { hash: Buffer } | undefined;
          const hash = r && fromPgPacked(r.hash);
          return hash instanceof Uint8Array ? base64url.encode(hash) : (hash as string | undefined);
        },
        prescriptions: async () => (await c.query(SELECT_PRESCRIPTIONS)).rows.map((r: Prescription) => ({ ...r, terms: fromPgPacked(r.terms) as Uint8Array | string })),
        eventHashes: async () => (await c.query('SELECT hash FROM events ORDER BY seq')).rows.map((r: { hash: Buffer }) => fromPgPacked(r.hash) as Uint8Array),
      });
    } finally {
      await c.end();
    }
  });
}, 300_000);

/**
 * The cycles on the database `env` names; `inspect` is given, once every process is dead, a
 * check to run on what the database holds.
 */
async function crashCycles(dir: string, env: { ORDO_DB: string }, inspect: (check: (db: Inspect) => Promise<void>) => Promise<void>) {
  // Both commit paths, one restart in two each: two workers (with the writer process, on SQLite;
  // the default on a multi-core machine), and one process (ORDO_WORKERS=1; on SQLite its writer is a thread).
  let workers: '1' | '2' = '2';
  const start = async (port: number) =>
    (await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: workers, ...env, ORDO_SECRETS: join(dir, 'secrets'), ORDO_ISSUER: issuer, ORDO_LOG_INTERVAL: '100' })).child;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  child = await start(port);
  const admin = new OrdoClient({ url: base, issuer, adminToken: readFileSync(join(dir, 'secrets/admin-token'), 'utf8').trim() });
  const doctors = await Promise.all([0, 1].map(async (i) => ({ id: `crash-md-${i}`, key: await generateKey() })));
  const pharmacies = await Promise.all([0, 1, 2].map(async (i) => ({ id: `crash-ph-${i}`, key: await generateKey() })));
  for (const d of doctors) await admin.addActor({ id: d.id, kind: 'prescriber', name: d.id, keys: [d.key.publicJwk] });
  for (const p of pharmacies) await admin.addActor({ id: p.id, kind: 'pharmacy', name: p.id, keys: [p.key.publicJwk] });

  const acks: Ack[] = [];
  const codes = new Map<string, string>(); // prescription id → code, for those whose issue was acknowledged
  const ack = (receipt: string) => {
    const { sub, evt } = decodeJwt(receipt) as { sub: string; evt: { index: number; hash: string } };
    acks.push({ prescriptionId: sub, index: evt.index, hash: evt.hash });
  };
  let stopped = false;
  let killedMidRequest = 0;
  const log = logWatcher(base);

  /** One virtual user: issue, then claim and dispense some of it, until the process dies. */
  const user = async (n: number) => {
    const doctor = admin.as(doctors[n % doctors.length]!);
    const pharmacy = admin.as(pharmacies[n % pharmacies.length]!);
    while (!stopped) {
      try {
        const rx = await doctor.prescribe({
          patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
          items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3', quantity: 2, unit: 'boîte', renewals: 1 }],
        });
        ack(rx.receipt);
        codes.set(rx.id, rx.code);
        for (let k = 0; k < 3 && !stopped; k++) {
          const c = await pharmacy.claim(rx.code);
          ack(c.receipt);
          const d = await pharmacy.dispense(c.claim.id, rx.id, [{ item: 0, quantity: 1 }]);
          ack(d.receipt);
          if (d.status === 'completed') break;
        }
      } catch (err) {
        if (err instanceof OrdoProblemError) throw err; // a refusal here would be a bug
        killedMidRequest++; // the connection died with the process: not acknowledged, nothing promised
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    stopped = false;
    const users = [...Array.from({ length: 6 }, (_, n) => user(n)), log.watch(() => stopped)];
    // Under load first: a few steps acknowledged since the restart (a busy machine is slower to
    // get there), then a random moment.
    const ackedBefore = acks.length;
    for (let waited = 0; acks.length < ackedBefore + 6 && waited < 30_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 500));
    await kill(child);
    stopped = true;
    await Promise.all(users);
    workers = cycle % 2 ? '2' : '1';
    child = await start(port);
  }
  await kill(child);
  child = undefined;

  // Everything acknowledged is stored, exactly; no item beyond its total.
  const tokenKey = readFileSync(join(dir, 'secrets/token-key'), 'utf8').trim();
  await inspect(async (db) => {
    const lost: Ack[] = [];
    for (const a of acks) if ((await db.hashAt(a.prescriptionId, a.index)) !== a.hash) lost.push(a);
    expect(lost).toEqual([]);
    expect(acks.length).toBeGreaterThan(CYCLES * 5);
    for (const row of await db.prescriptions()) {
      const terms = await openStoredTerms(tokenKey, row);
      const progress = JSON.parse(row.progress) as { dispensed: number }[];
      terms.forEach((t, i) => expect(progress[i]!.dispensed, row.id).toBeLessThanOrEqual(t.total));
    }
  });

  // Every trace verifies, on a restarted Ordo; the log only grew, and its tree is the events.
  child = await start(port);
  const eventHashes = await new Promise<Uint8Array[]>((resolve) => void inspect(async (db) => resolve(await db.eventHashes())));
  await log.check(eventHashes);
  for (const [, code] of codes) {
    const r = await verifyBundle(await exportTrace(admin, code));
    expect(r, code).toEqual({ ok: true, events: expect.any(Number) });
  }
  await kill(child);
  child = undefined;
  console.info(`crash (${env.ORDO_DB.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}): ${CYCLES} SIGKILLs, ${acks.length} acknowledged steps kept, ${codes.size} traces verified, ${killedMidRequest} requests cut by a kill, ${log.seen.size} checkpoints seen`);
}

const h256 = (d: Uint8Array) => nodeSuite.sha256(d);

/** RFC 9162's MTH over the leaves, computed naively: what the log must commit to. */
function naiveRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return h256(new Uint8Array(0));
  if (leaves.length === 1) return leafHash(h256, leaves[0]!);
  const k = 2 ** Math.floor(Math.log2(leaves.length - 1));
  return nodeHash(h256, naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

/**
 * Watches the log's published checkpoints while Ordo runs and is killed: each one signed by the
 * log's key, never a second root for a size, never a size below one seen. `check` then proves,
 * on the restarted Ordo, every checkpoint seen consistent with the last, and the last one's tree
 * to be exactly the events' hashes in seq order (none lost, none added).
 */
function logWatcher(base: string) {
  const seen = new Map<number, string>();
  const problems: string[] = [];
  let max = 0;
  let verifier: Awaited<ReturnType<typeof noteVerifier>> | undefined;
  const latest = async () => {
    verifier ??= await noteVerifier(nodeSuite, (await (await fetch(`${base}/.well-known/ordo-log-key`)).text()).trim());
    const res = await fetch(`${base}/log/checkpoint`);
    if (res.status === 404) return undefined;
    const opened = await openCheckpoint(nodeSuite, await res.text(), [verifier]);
    if (!opened.ok) throw new Error(`a checkpoint that does not verify: ${opened.reason}`);
    return opened.checkpoint;
  };
  const record = (c: { size: number; root: Uint8Array }) => {
    const root = Buffer.from(c.root).toString('base64');
    if (seen.has(c.size) && seen.get(c.size) !== root) problems.push(`two roots for size ${c.size}`);
    if (c.size < max) problems.push(`size ${c.size} published after ${max}`);
    seen.set(c.size, root);
    max = Math.max(max, c.size);
  };
  return {
    seen,
    async watch(stopped: () => boolean) {
      while (!stopped()) {
        const c = await latest().catch(() => undefined); // the process may be dead already
        if (c) record(c);
        await new Promise((r) => setTimeout(r, 40));
      }
    },
    async check(eventHashes: Uint8Array[]) {
      let last = await latest();
      for (let i = 0; i < 100 && (last?.size ?? 0) < eventHashes.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        last = await latest();
      }
      record(last!);
      expect(problems).toEqual([]);
      expect(last!.size).toBe(eventHashes.length);
      expect(Buffer.from(last!.root).toString('base64')).toBe(Buffer.from(naiveRoot(eventHashes)).toString('base64'));
      for (const [size, root] of seen) {
        const kept = (await (await fetch(`${base}/log/checkpoints/${size}`)).json()) as { checkpoint: string };
        const opened = await openCheckpoint(nodeSuite, kept.checkpoint, [verifier!]);
        expect(opened.ok && Buffer.from(opened.checkpoint.root).toString('base64'), `checkpoint ${size}`).toBe(root);
        const p = (await (await fetch(`${base}/log/proof/consistency?from=${size}&size=${last!.size}`)).json()) as { proof: string[] };
        expect(verifyConsistency(h256, size, last!.size, Buffer.from(root, 'base64'), last!.root, p.proof.map((x) => Buffer.from(x, 'base64'))), `${size} → ${last!.size}`).toBe(true);
      }
    },
  };
}
