/**
 * `ordo backup` against a running Ordo (`startNode`: a listening server, a SQLite file in WAL
 * mode, generated secrets): the copy is taken by the CLI in a child process while a loop keeps
 * writing through the server, then a second Ordo starts on the restored copy with the same
 * secrets folder and every prescription, event and trace is there and verifies.
 */
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTrace, verifyBundle } from '../../src/client/bundle.js';
import { OrdoClient, type Actor, type Lookup } from '../../src/client/client.js';
import { OrdoProblemError } from '../../src/client/errors.js';
import { generateKey } from '../../src/client/sign.js';
import { startNode } from '../../src/node/server.js';
import { expectRefusal, runOrdo } from '../support/run-ordo.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-backup-'));
const secrets = join(dir, 'secrets');
const dbFile = join(dir, 'data/ordo.db');
const backups = join(dir, 'backups');
const cli = (...args: string[]) => runOrdo(args, { cwd: dir, env: { ORDO_SECRETS: secrets, ORDO_DB: dbFile } });

let live: Awaited<ReturnType<typeof startNode>>;
let restored: Awaited<ReturnType<typeof startNode>> | undefined;
let ordo: OrdoClient;
let doctor: Actor;
let pharmacy: Actor;

const rx = (label: string, quantity = 2) => ({
  patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
  items: [{ code: { system: 'text', value: label }, label, dosage: '1 par jour', quantity, unit: 'boîte' }],
});

beforeAll(async () => {
  mkdirSync(backups);
  live = await startNode({ env: { PORT: '0', ORDO_ISSUER: 'https://ordo.test', ORDO_DB: dbFile, ORDO_SECRETS: secrets }, log: () => {} });
  ordo = new OrdoClient({ url: `http://127.0.0.1:${live.port}`, issuer: live.deps.config.issuer, adminToken: live.deps.keys.adminToken });
  doctor = { id: 'bk-md', key: await generateKey() };
  pharmacy = { id: 'bk-ph', key: await generateKey('P-256') };
  await ordo.addActor({ id: doctor.id, kind: 'prescriber', name: 'Dr Sauvegarde', keys: [doctor.key.publicJwk] });
  await ordo.addActor({ id: pharmacy.id, kind: 'pharmacy', name: 'Pharmacie du Quai', keys: [pharmacy.key.publicJwk] });
});
afterAll(async () => {
  await restored?.close();
  await live.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ordo backup', () => {
  const backupFile = join(backups, 'ordo-backup.db');

  it('copies a serving Ordo consistently; a second Ordo on the copy has every prescription, event and trace', async () => {
    // Before the backup: untouched, partly dispensed, completed and cancelled prescriptions.
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const issued = await ordo.as(doctor).prescribe(rx(`Produit ${i}`));
      codes.push(issued.code);
      if (i >= 2) {
        const c = await ordo.as(pharmacy).claim(issued.code);
        await ordo.as(pharmacy).dispense(c.claim.id, issued.id, [{ item: 0, quantity: i === 4 ? 2 : 1 }]);
      }
      if (i === 5) await ordo.as(doctor).cancel(issued.id, 'Erreur de dosage');
    }
    const before = new Map<string, Lookup>();
    for (const code of codes) before.set(code, await ordo.lookup(code));
    expect([...before.values()].map((l) => l.status)).toEqual(['active', 'active', 'active', 'active', 'completed', 'cancelled']);

    // While the CLI copies the database, a loop keeps issuing, claiming, dispensing and reading.
    let running = true;
    let copying = false;
    let writesDuringCopy = 0;
    const failures: unknown[] = [];
    const loopIssued: { id: string; code: string }[] = [];
    const loop = async (n: number) => {
      for (let i = 0; running; i++) {
        try {
          const issued = await ordo.as(doctor).prescribe(rx(`Boucle ${n}-${i}`));
          loopIssued.push({ id: issued.id, code: issued.code });
          const c = await ordo.as(pharmacy).claim(issued.code);
          await ordo.as(pharmacy).dispense(c.claim.id, issued.id, [{ item: 0, quantity: 1 }]);
          if (copying) writesDuringCopy += 3;
          await ordo.lookup(codes[i % codes.length]!);
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const loops = [loop(0), loop(1)];
    await new Promise((r) => setTimeout(r, 100)); // the loop is under way before the copy starts
    copying = true;
    const run = await cli('backup', backupFile, '--db', dbFile, '--json');
    copying = false;
    running = false;
    await Promise.all(loops);

    expect(run.code, run.err).toBe(0);
    expect(failures).toEqual([]);
    expect(writesDuringCopy).toBeGreaterThan(0);
    const report = JSON.parse(run.out) as { file: string; source: string; bytes: number; prescriptions: number; events: number; integrity: string };
    expect(report).toMatchObject({ file: backupFile, source: dbFile, bytes: statSync(backupFile).size, integrity: 'ok' });
    expect(report.prescriptions).toBeGreaterThanOrEqual(codes.length);
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(readdirSync(backups)).toEqual(['ordo-backup.db']); // one self-contained file: no -wal, no -shm

    // Restore as the README says: copy the file where ORDO_DB points, start with the same secrets.
    mkdirSync(join(dir, 'restore'));
    copyFileSync(backupFile, join(dir, 'restore/ordo.db'));
    restored = await startNode({ env: { PORT: '0', ORDO_ISSUER: 'https://ordo.test', ORDO_DB: join(dir, 'restore/ordo.db'), ORDO_SECRETS: secrets }, log: () => {} });
    expect(restored.deps.keys.signer.kid).toBe(live.deps.keys.signer.kid);
    const copy = new OrdoClient({ url: `http://127.0.0.1:${restored.port}`, issuer: restored.deps.config.issuer, adminToken: restored.deps.keys.adminToken });

    for (const code of codes) {
      // The live Ordo's log may have integrated these events since: a leaf index is the one thing that may appear.
      expect(withoutLeaves(await copy.lookup(code))).toEqual(withoutLeaves(before.get(code)!));
      expect(await verifyBundle(await exportTrace(copy, code))).toEqual({ ok: true, events: before.get(code)!.events.length });
    }
    // What the loop wrote is in the copy whole or not at all: the copy is one snapshot.
    let present = 0;
    let events = [...before.values()].reduce((n, l) => n + l.events.length, 0);
    for (const { id, code } of loopIssued) {
      const found = await copy.as(doctor).get(id).catch((err: OrdoProblemError) => err);
      if (found instanceof OrdoProblemError) {
        expect(found.code).toBe('not_found');
        continue;
      }
      present++;
      const bundle = await exportTrace(copy, code);
      expect(await verifyBundle(bundle)).toEqual({ ok: true, events: bundle.events.length });
      events += bundle.events.length;
    }
    expect(report.prescriptions).toBe(codes.length + present);
    expect(report.events).toBe(events);

    // The restored Ordo carries on: the first prescription is dispensed there.
    const first = before.get(codes[0]!)!;
    const claim = await copy.as(pharmacy).claim(codes[0]!);
    expect((await copy.as(pharmacy).dispense(claim.claim.id, first.prescription.id, [{ item: 0, quantity: 2 }])).status).toBe('completed');
  });

  it('refuses bad destinations and sources in one line, and leaves no file behind', async () => {
    const size = statSync(backupFile).size;
    expectRefusal(await cli('backup', backupFile), /exists: backup never overwrites a file/);
    expect(statSync(backupFile).size).toBe(size);

    expectRefusal(await cli('backup', join(secrets, 'copy.db')), /inside the secrets folder/);
    expectRefusal(await cli('backup', 'secrets/sub/../copy.db'), /inside the secrets folder/);
    expect(existsSync(join(secrets, 'copy.db'))).toBe(false);

    expectRefusal(await cli('backup', join(dir, 'nowhere/copy.db')), /folder .*nowhere does not exist/);
    expectRefusal(await cli('backup', join(backups, 'a.db'), '--db', join(dir, 'missing.db')), /no database at .*missing\.db/);
    writeFileSync(join(dir, 'notes.txt'), 'not a database, just some text that is long enough to have a header\n'.repeat(10));
    expectRefusal(await cli('backup', join(backups, 'b.db'), '--db', join(dir, 'notes.txt')), /is not an SQLite database/);
    const other = new Database(join(dir, 'other.db'));
    other.exec('CREATE TABLE things (x)');
    other.close();
    expectRefusal(await cli('backup', join(backups, 'c.db'), '--db', join(dir, 'other.db')), /is not an Ordo database/);

    // A damaged source: the copy is made page by page, so the damage is in it too; the check catches it.
    const damaged = join(dir, 'damaged.db');
    const d = new Database(damaged);
    d.exec('CREATE TABLE prescriptions (id TEXT, n INTEGER); CREATE TABLE events (id TEXT); CREATE INDEX by_n ON prescriptions (n);');
    const add = d.prepare('INSERT INTO prescriptions VALUES (?, ?)');
    for (let i = 0; i < 50; i++) add.run(`p${i}`, 1000 + i);
    const root = (d.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'by_n'").get() as { rootpage: number }).rootpage;
    const pageSize = d.pragma('page_size', { simple: true }) as number;
    d.close();
    const fd = openSync(damaged, 'r+');
    const page = Buffer.alloc(pageSize);
    readSync(fd, page, 0, pageSize, (root - 1) * pageSize);
    page[page.readUInt16BE(8) + 4]! ^= 0x55; // a byte of the index's first entry
    writeSync(fd, page, 0, pageSize, (root - 1) * pageSize);
    closeSync(fd);
    expectRefusal(await cli('backup', join(backups, 'd.db'), '--db', damaged), /integrity check failed on the copy \(row \d+ missing from index by_n.*the copy was removed/);

    expect(readdirSync(backups)).toEqual(['ordo-backup.db']);
  });

  it('reads ORDO_DB and prints a readable summary', async () => {
    const r = await cli('backup', 'backups/second.db');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ordo\.db copied to .*second\.db: [\d.]+ KiB, \d+ prescriptions, \d+ events; integrity check ok/);
    rmSync(join(backups, 'second.db'));
  });
});

/** A lookup without the log's `leafIndex` (integration adds it once, beside the writes). */
function withoutLeaves<T extends { events: { leafIndex?: number }[] }>(look: T): T {
  return { ...look, events: look.events.map(({ leafIndex: _leaf, ...e }) => e) };
}
