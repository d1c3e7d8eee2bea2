/**
 * The sorting-office proof: after issuing (and rotating), the raw database files, WAL
 * included, hold no patient name, medicine label or medicine code; the log holds no code. On
 * PostgreSQL, the same of a pg_dump, after a dispense too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { issue, makeHarness, withCast, type Harness } from '../support/harness.js';
import { pgBin } from '../support/pg-cluster.js';
import { claim, dispense } from '../support/redeem.js';

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

it('on PostgreSQL: a pg_dump holds no patient, no medicine, no dispensing detail and no code', async () => {
  const { h: pg, doctor, pharmacy } = await withCast({ postgres: true });
  const r = await issue(pg, doctor, {
    patient: { family: 'Zyxwvutsrq', given: ['Qwertyuiop'], birthDate: '1948-03-12', ins: { value: '248037512345678', oid: '1.2.250.1.213.1.4.8', qualified: true } },
    items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Labelmedicamentunique 1 g', dosage: 'Dosageunique', quantity: 2, unit: 'boîte' }],
  });
  const c = await claim(pg, pharmacy, r.code);
  expect((await dispense(pg, pharmacy, r.id, c.body.claim.id, [{ item: 0, quantity: 1, lot: 'Lotunique42' }], { dispensedBy: { id: '10007654321', name: 'Pharmacienunique' } })).status).toBe(201);
  const rotated = await pg.call(doctor, 'POST', `/v1/prescriptions/${r.id}/code`, { body: { rotate: true }, sub: r.id });
  const code = ((await rotated.json()) as { code: string }).code;

  const dump = execFileSync(`${pgBin()}/pg_dump`, ['--dbname', pg.pgUrl!, '--no-owner'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(dump).toContain('COPY public.events');
  expect(dump).toContain(r.id);
  // bytea is dumped as hex: a value stored in clear there would show as its hex.
  for (const secret of ['Zyxwvutsrq', 'Qwertyuiop', 'Labelmedicamentunique', 'Dosageunique', '3400935955838', '248037512345678', '1948-03-12', 'Lotunique42', 'Pharmacienunique']) {
    expect(dump.includes(secret), secret).toBe(false);
    expect(dump.includes(Buffer.from(secret).toString('hex')), secret).toBe(false);
  }
  for (const secret of [r.code, code]) {
    const symbols = secret.replaceAll('-', '');
    for (const part of [secret, symbols.slice(16, 40), Buffer.from(symbols.slice(16, 40)).toString('hex')]) expect(dump.includes(part), part).toBe(false);
  }
});
