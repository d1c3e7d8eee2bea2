/** The SDK against the app itself (its fetch is `app.request`): typed answers and typed problems. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { exportTrace, verifyBundle } from '../../src/client/bundle.js';
import { OrdoProblemError } from '../../src/client/errors.js';
import { generateKey } from '../../src/client/sign.js';
import { ISSUER, makeHarness, type Harness } from '../support/harness.js';

let h: Harness;
let admin: OrdoClient;
beforeAll(async () => {
  h = await makeHarness();
  h.clock.now = Date.now(); // the SDK signs with the real clock
  admin = new OrdoClient({ url: 'http://ordo.local', issuer: ISSUER, adminToken: h.adminToken, fetch: ((url: string, init: RequestInit) => h.app.request(url, init)) as typeof fetch });
});
afterAll(() => h.close());

it('prescribes, claims, dispenses and verifies through the SDK', async () => {
  const doctor = { id: 'sdk-md', key: await generateKey() };
  const pharmacy = { id: 'sdk-ph', key: await generateKey('P-256') };
  await admin.addActor({ id: doctor.id, kind: 'prescriber', name: 'Dr SDK', keys: [doctor.key.publicJwk] });
  await admin.addActor({ id: pharmacy.id, kind: 'pharmacy', name: 'Pharmacie SDK', keys: [pharmacy.key.publicJwk] });
  const rx = await admin.as(doctor).prescribe({
    patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
    items: [{ code: { system: 'ATC', value: 'N02BE01' }, label: 'Paracétamol', dosage: '1 g x3', quantity: 1, unit: 'boîte' }],
  }, { datamatrix: 'svg' });
  expect(rx.datamatrix).toHaveProperty('svg');
  const c = await admin.as(pharmacy).claim(rx.code.toLowerCase());
  const d = await admin.as(pharmacy).dispense(c.claim.id, rx.id, [{ item: 0, quantity: 1 }]);
  expect(d.status).toBe('completed');
  expect((await admin.as(doctor).list()).items[0]!.status).toBe('completed');
  const bundle = await exportTrace(admin, rx.payload);
  expect(await verifyBundle(bundle, [rx.receipt, c.receipt, d.receipt])).toEqual({ ok: true, events: 3 });

  const err = await admin.as(pharmacy).claim(rx.code).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OrdoProblemError);
  expect((err as OrdoProblemError).problem).toMatchObject({ status: 410, code: 'already_completed' });
  expect(() => admin.claim('not a code')).toThrow(/not a prescription code/);
});
