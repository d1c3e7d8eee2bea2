/**
 * The sorting-office proof: after issuing (and rotating), the raw database files, WAL
 * included, hold no patient name, medicine label or medicine code; the log holds no code.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { issue, makeHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});
afterAll(() => h.close());

it('stores no patient and no medicine in clear, and logs no code', async () => {
  const doctor = await h.addActor('prescriber');
  const r = await issue(h, doctor, {
    patient: { family: 'Zyxwvutsrq', given: ['Qwertyuiop'], birthDate: '1948-03-12', ins: { value: '248037512345678', oid: '1.2.250.1.213.1.4.8', qualified: true } },
    items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Labelmedicamentunique 1 g', dosage: 'Dosageunique', quantity: 2, unit: 'boîte' }],
  });
  await h.call(doctor, 'POST', `/v1/prescriptions/${r.id}/code`, { body: { rotate: true }, sub: r.id });
  await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: r.code }) });

  const files = readdirSync(h.dir).filter((f) => f.startsWith('ordo.db'));
  expect(files).toContain('ordo.db-wal');
  const raw = Buffer.concat(files.map((f) => readFileSync(join(h.dir, f))));
  expect(raw.length).toBeGreaterThan(0);
  for (const secret of ['Zyxwvutsrq', 'Qwertyuiop', 'Labelmedicamentunique', 'Dosageunique', '3400935955838', '248037512345678', '1948-03-12']) {
    expect(raw.includes(Buffer.from(secret)), secret).toBe(false);
    expect(raw.includes(Buffer.from(secret, 'utf16le')), secret).toBe(false);
  }
  const log = JSON.stringify(h.logs);
  expect(h.logs.length).toBeGreaterThan(3);
  const symbols = r.code.replaceAll('-', '');
  for (const secret of [r.code, symbols.slice(16, 40), r.payload, 'Zyxwvutsrq', 'Labelmedicamentunique']) expect(log.includes(secret), secret).toBe(false);
});
