/**
 * Crash consistency: Ordo as `npm start` runs it (a writer and two workers, or one process with a
 * writer thread, in turns; a SQLite file), under
 * concurrent issue/claim/dispense, killed with SIGKILL at a random moment, restarted, again and
 * again. After every restart:
 * - every answer with a 2xx that carried a receipt names an event that is stored, with that hash
 *   (`synchronous = FULL`: a commit returns only once its WAL frames are on disk, and Ordo answers
 *   only after its commit returned, so an acknowledged step survives the loss of the process);
 * - no item is dispensed beyond its total;
 * - every prescription's trace verifies with the offline verifier;
 * - `PRAGMA integrity_check` says ok.
 */
import Database from 'better-sqlite3';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, expect, it } from 'vitest';
import { exportTrace, verifyBundle } from '../../src/client/bundle.js';
import { OrdoClient } from '../../src/client/client.js';
import { OrdoProblemError } from '../../src/client/errors.js';
import { generateKey } from '../../src/client/sign.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';
import { openStoredTerms, type StoredRow } from '../support/sealed.js';

const CYCLES = Number(process.env.ORDO_CRASH_CYCLES ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'ordo-crash-'));
const db = join(dir, 'data/ordo.db');
const issuer = 'https://ordo.test';
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child) await killGroup(child);
  rmSync(dir, { recursive: true, force: true });
});

// Both commit paths, one restart in two each: two workers and the writer process (the default on
// a multi-core machine), and one process whose writer is a thread (ORDO_WORKERS=1).
let workers: '1' | '2' = '2';
const start = async (port: number) =>
  (await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: workers, ORDO_DB: db, ORDO_SECRETS: join(dir, 'secrets'), ORDO_ISSUER: issuer })).child;

/** SIGKILL to the whole process group: no handler runs, nothing is flushed on the way out. */
const kill = (c: ChildProcess) => killGroup(c, 'SIGKILL');

type Ack = { prescriptionId: string; index: number; hash: string };

it(`keeps every acknowledged step through ${CYCLES} SIGKILLs under load`, async () => {
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
    const users = Array.from({ length: 6 }, (_, n) => user(n));
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 500)); // a random moment under load
    await kill(child);
    stopped = true;
    await Promise.all(users);
    workers = cycle % 2 ? '2' : '1';
    child = await start(port);
  }
  await kill(child);
  child = undefined;

  // Everything acknowledged is stored, exactly.
  const sqlite = new Database(db, { readonly: true });
  try {
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = sqlite.prepare('SELECT hash FROM events WHERE prescription_id = ? AND idx = ?');
    // Stored as 32 bytes (store/codec.ts).
    const hashOf = (r: { hash: Buffer | string } | undefined) => (r && Buffer.isBuffer(r.hash) ? r.hash.toString('base64url') : r?.hash);
    const lost = acks.filter((a) => hashOf(stored.get(a.prescriptionId, a.index) as { hash: Buffer | string } | undefined) !== a.hash);
    expect(lost).toEqual([]);
    expect(acks.length).toBeGreaterThan(CYCLES * 5);
    // No item beyond its total.
    const tokenKey = readFileSync(join(dir, 'secrets/token-key'), 'utf8').trim();
    const rows = sqlite.prepare('SELECT id, code_version codeVersion, token_key_id tokenKeyId, terms, progress FROM prescriptions').all() as (StoredRow & { progress: string })[];
    for (const row of rows) {
      const terms = await openStoredTerms(tokenKey, row);
      const progress = JSON.parse(row.progress) as { dispensed: number }[];
      terms.forEach((t, i) => expect(progress[i]!.dispensed, row.id).toBeLessThanOrEqual(t.total));
    }
  } finally {
    sqlite.close();
  }

  // Every trace verifies, on a restarted Ordo.
  child = await start(port);
  for (const [, code] of codes) {
    const r = await verifyBundle(await exportTrace(admin, code));
    expect(r, code).toEqual({ ok: true, events: expect.any(Number) });
  }
  console.info(`crash: ${CYCLES} SIGKILLs, ${acks.length} acknowledged steps kept, ${codes.size} traces verified, ${killedMidRequest} requests cut by a kill`);
}, 300_000);
