/**
 * A feed cursor outlives Ordo: `npm start` as a user runs it (two workers and the writer on
 * SQLite), a pharmacy reads its feed and keeps the cursor; Ordo is killed (SIGKILL, no clean
 * stop) and started again on the same database; following the same cursor gives exactly the
 * events recorded after it, none before, none twice, also for a long poll waiting across the
 * new start's first writes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { generateKey } from '../../src/client/sign.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-feed-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const item = { code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3/j', quantity: 2, unit: 'boîte' };
const patient = { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' };

it('a cursor kept across a SIGKILL and a new start gives exactly what came after it', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { PORT: String(port), ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets'), ORDO_ISSUER: url, ORDO_WORKERS: '2' };
  let ordo = await startOrdoProcess(env);
  try {
    const admin = new OrdoClient({ url, adminToken: readFileSync(join(dir, 'secrets/admin-token'), 'utf8').trim() });
    const md = { id: 'md-restart', key: await generateKey() };
    const ph = { id: 'ph-restart', key: await generateKey('P-256') };
    await admin.addActor({ id: md.id, kind: 'prescriber', name: 'Dr Restart', keys: [md.key.publicJwk] });
    await admin.addActor({ id: ph.id, kind: 'pharmacy', name: 'Pharmacie Restart', keys: [ph.key.publicJwk] });
    const doctor = admin.as(md);
    const pharmacy = admin.as(ph);
    const first = await doctor.prescribe({ patient, items: [item] });
    await pharmacy.claim(first.code);
    const before = await pharmacy.feedPage();
    expect(before.events.map((e) => e.type)).toEqual(['claimed']);

    await killGroup(ordo.child);
    ordo = await startOrdoProcess(env);

    // A long poll on the kept cursor, then writes of the new start.
    const waiting = pharmacy.feedPage({ after: before.cursor, wait: 20 });
    await new Promise((r) => setTimeout(r, 300));
    await doctor.cancel(first.id, 'Erreur de posologie');
    const woken = await waiting;
    expect(woken.events.map((e) => [e.prescriptionId, e.index, e.type])).toEqual([[first.id, 2, 'cancelled']]);
    const second = await doctor.prescribe({ patient, items: [item] });
    await pharmacy.claim(second.code);
    const after = await pharmacy.feedPage({ after: woken.cursor });
    expect(after.events.map((e) => [e.prescriptionId, e.type])).toEqual([[second.id, 'claimed']]);
    const all = await pharmacy.feedPage();
    expect(all.events.map((e) => e.seq)).toEqual([...before.events, ...woken.events, ...after.events].map((e) => e.seq));
  } finally {
    await killGroup(ordo.child);
  }
}, 90_000);
