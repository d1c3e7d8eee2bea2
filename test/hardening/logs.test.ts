/**
 * The request log through a whole story: one structured JSON line per request with its id, route
 * pattern, status, duration and acting actor, and nothing a patient would not want in a log: no
 * code (in any of its forms), no patient data, no document or record, no medicine, no free text.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { issue, makeHarness, type Harness } from '../support/harness.js';
import { cancel, claim, dispense, idOf, release } from '../support/redeem.js';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});
afterAll(() => h.close());

it('logs every request as one structured line, and no code, patient, document or label', async () => {
  const doctor = await h.addActor('prescriber');
  const pharmacy = await h.addActor('pharmacy');
  const secret = {
    family: 'Quenouillard', given: 'Philomène', birthDate: '1937-07-19', ins: '237077512345699',
    label: 'Médicamentrarissime 5 mg', dosage: 'Posologietrèsparticulière', lot: 'LOTSECRET42', reason: 'Motifconfidentiel', note: 'Notedupharmacien',
  };
  const rx = await issue(h, doctor, {
    patient: { family: secret.family, given: [secret.given], birthDate: secret.birthDate, ins: { value: secret.ins, oid: '1.2.250.1.213.1.4.8', qualified: true } },
    items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: secret.label, dosage: secret.dosage, quantity: 2, unit: 'boîte' }],
    notes: 'Remarquesecrète',
  });
  const c = await claim(h, pharmacy, rx.payload);
  await dispense(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 1, lot: secret.lot }]);
  const c2 = await claim(h, pharmacy, rx.code);
  await release(h, pharmacy, rx.id, c2.body.claim.id, secret.reason);
  await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: rx.code }) });
  await h.send('POST', '/v1/datamatrix', { body: JSON.stringify({ code: rx.payload, format: 'svg' }) });
  await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: `${rx.code.slice(0, -1)}${rx.code.endsWith('0') ? '1' : '0'}` }) });
  await h.call(doctor, 'GET', '/v1/prescriptions');
  await h.call(doctor, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id });
  await cancel(h, doctor, rx.id, secret.reason);

  // Every header a client controls, carrying the code: none of it may reach the log or be echoed.
  const symbolsSent = rx.code.replaceAll('-', '');
  const hostile = await h.send('POST', '/v1/lookup', {
    body: JSON.stringify({ code: rx.code }),
    headers: {
      'x-request-id': symbolsSent, 'user-agent': symbolsSent, referer: `https://x.test/${symbolsSent}`, 'x-forwarded-for': symbolsSent,
      'x-correlation-id': symbolsSent, 'accept-language': symbolsSent, cookie: `c=${symbolsSent}`, 'if-none-match': symbolsSent,
    },
  });
  expect(hostile.status).toBe(200);
  for (const [name, value] of hostile.headers) expect(value.includes(symbolsSent.slice(16)), name).toBe(false);

  expect(h.logs.length).toBeGreaterThanOrEqual(12);
  for (const line of h.logs) {
    expect(line).toMatchObject({ level: expect.any(String), reqId: expect.any(String), method: expect.any(String), route: expect.any(String), status: expect.any(Number), ms: expect.any(Number) });
    expect(String(line.route)).not.toContain(rx.id); // the pattern, not the path
  }
  const byRoute = (route: string) => h.logs.filter((l) => l.route === route);
  expect(byRoute('/v1/prescriptions').some((l) => l.method === 'POST' && l.status === 201 && l.actor === doctor.id)).toBe(true);
  expect(byRoute('/v1/claims/:claimId/dispense')[0]).toMatchObject({ status: 201, actor: pharmacy.id });
  expect(byRoute('/v1/lookup').map((l) => [l.status, l.problem])).toEqual([[200, undefined], [400, 'bad_check'], [200, undefined]]);

  const text = JSON.stringify(h.logs);
  const symbols = rx.code.replaceAll('-', '');
  const forbidden = [
    rx.code, rx.payload, symbols.slice(0, 40), symbols.slice(16, 40), idOf(rx.code) + symbols.slice(16, 24),
    rx.jws.split('.')[1]!.slice(0, 40), rx.jws.split('.')[2]!.slice(0, 40), rx.receipt.split('.')[2]!.slice(0, 40),
    ...Object.values(secret), 'Remarquesecrète', '3400935955838',
  ];
  for (const f of forbidden) expect(text.includes(f), f).toBe(false);
});
