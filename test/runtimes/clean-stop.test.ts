/**
 * After a clean stop, `ordo.db` alone holds everything: the store checkpoints its write-ahead log
 * into the database file when it closes (`wal_checkpoint(TRUNCATE)`), so a copy of that one file
 * (docs/operations.md, "Backup and restore") has every prescription. Proven on `npm start` stopped
 * with SIGTERM (one process, and the cluster: workers and the primary's writer), on an
 * in-process server's close() and on the store's own close().
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { generateKey } from '../../src/client/sign.js';
import { migrationsFolder, startNode } from '../../src/node/server.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-clean-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rx = (label: string) => ({
  patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
  items: [{ code: { system: 'text', value: label }, label, dosage: '1 par jour', quantity: 1, unit: 'boîte' }],
});

/** Two actors and `count` prescriptions, through the HTTP API. */
async function write(ordo: OrdoClient, count: number) {
  const doctor = { id: 'stop-md', key: await generateKey() };
  await ordo.addActor({ id: doctor.id, kind: 'prescriber', name: 'Dr Arrêt', keys: [doctor.key.publicJwk] });
  for (let i = 0; i < count; i++) await ordo.as(doctor).prescribe(rx(`Produit ${i}`));
}

/** `ordo.db` copied alone (no -wal, no -shm beside the copy), then what it holds. */
function copyAlone(dbFile: string, name: string) {
  const at = join(dir, 'copies', name);
  mkdirSync(at, { recursive: true });
  copyFileSync(dbFile, join(at, 'ordo.db'));
  expect(existsSync(join(at, 'ordo.db-wal'))).toBe(false);
  const db = new Database(join(at, 'ordo.db'), { readonly: true });
  try {
    const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    return { prescriptions: count('prescriptions'), events: count('events'), actors: count('actors') };
  } finally {
    db.close();
  }
}

for (const workers of ['1', '2']) {
  it(`npm start (ORDO_WORKERS=${workers}) stopped with SIGTERM: ordo.db alone has every prescription`, async () => {
    const at = join(dir, `npm-start-${workers}`);
    const dbFile = join(at, 'data/ordo.db');
    const port = await freePort();
    const { child } = await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: workers, ORDO_DB: dbFile, ORDO_SECRETS: join(at, 'secrets'), ORDO_ISSUER: 'https://ordo.test' });
    try {
      const adminToken = readFileSync(join(at, 'secrets/admin-token'), 'utf8').trim();
      await write(new OrdoClient({ url: `http://127.0.0.1:${port}`, issuer: 'https://ordo.test', adminToken }), 3);
    } finally {
      await killGroup(child, 'SIGTERM');
    }
    expect(child.exitCode).toBe(0);
    expect(copyAlone(dbFile, `npm-start-${workers}`)).toEqual({ prescriptions: 3, events: 3, actors: 1 });
  });
}

it("an in-process server's close(), while another connection keeps the file open: ordo.db alone has every prescription", async () => {
  const at = join(dir, 'in-process');
  const s = await startNode({ env: { PORT: '0', ORDO_DB: join(at, 'data/ordo.db'), ORDO_SECRETS: join(at, 'secrets') }, log: () => {} });
  // A cluster worker, or `ordo backup`, may still hold the file: the last connection to close is
  // not always the writer's, so closing alone would leave the log where it is.
  const other = new Database(s.dbFile, { readonly: true });
  other.prepare('select count(*) from prescriptions').get(); // attached to the log (-shm) from now on
  try {
    try {
      await write(new OrdoClient({ url: `http://127.0.0.1:${s.port}`, issuer: s.deps.config.issuer, adminToken: s.deps.keys.adminToken }), 2);
    } finally {
      await s.close();
    }
    expect(copyAlone(s.dbFile, 'in-process')).toEqual({ prescriptions: 2, events: 2, actors: 1 });
  } finally {
    other.close();
  }
});

it("the store's close() checkpoints, even while another connection keeps the file open", async () => {
  const file = join(dir, 'store/ordo.db');
  const writer = openSqlite(file, { migrationsFolder, packer: nodeSuite });
  const reader = new Database(file, { readonly: true }); // like a cluster worker, still open
  reader.prepare('select count(*) from actors').get();
  try {
    writer.db.prepare(`insert into actors (id, kind, name, created_at) values ('a1', 'prescriber', 'Dr Un', '2026-01-01T00:00:00Z')`).run();
    // A transition still queued for the next group commit is committed by close(), not dropped.
    const queued = writer.store.commit({
      prescription: {
        insert: {
          id: 'RX0000000000000A', prescriberId: 'a1', docJti: 'j1', docMac: 'm', status: 'active', version: 0, headHash: 'h0', codeVersion: 1, tokenKeyId: 'k',
          issuedAt: '2026-01-01T00:00:00Z', validUntil: '2026-02-01', expiresAt: 1, itemCount: 1, terms: '[]', progress: '[]',
          claimId: null, claimPharmacy: null, claimExpiresAt: null, claimTtl: null, cancelReason: null, updatedAt: '2026-01-01T00:00:00Z',
        },
      },
      events: [{ prescriptionId: 'RX0000000000000A', idx: 0, type: 'issued', at: '2026-01-01T00:00:00Z', actor: '"ordo"', claim: null, proof: null, proofHash: 'p', prevHash: 'z', hash: 'h0', receipt: 'r' }],
    });
    writer.store.close();
    await expect(queued).resolves.toBeUndefined();
    expect(writer.db.open).toBe(false);
    expect(copyAlone(file, 'store')).toEqual({ actors: 1, prescriptions: 1, events: 1 });
  } finally {
    reader.close();
  }
});
