/**
 * Polling cheaply: read routes answer 304 Not Modified to an unchanged `If-None-Match`, and a
 * new ETag as soon as anything shown changes (a new event, or the time a paced delivery is due).
 */
import { expect, it } from 'vitest';
import type { V1PrescriberView } from '../../src/contract/index.js';
import { issue, withCast } from '../support/harness.js';
import { claim, dispense } from '../support/redeem.js';

const { h, doctor, pharmacy } = await withCast();

const view = (id: string, etag?: string) => h.call(doctor, 'GET', `/v1/prescriptions/${id}`, { sub: id, headers: etag ? { 'if-none-match': etag } : {} });

it("a prescriber polling a prescription gets 304 until it changes, with a fresh token each time", async () => {
  const rx = await issue(h, doctor); // paced: supplyDays 30
  const first = await view(rx.id);
  expect(first.status).toBe(200);
  const etag = first.headers.get('etag')!;
  expect(etag).toMatch(/^"\d+\.[\w-]+\.\w+"$/);
  expect(first.headers.get('cache-control')).toBe('private, no-cache');

  const same = await view(rx.id, etag);
  expect(same.status).toBe(304);
  expect(await same.text()).toBe('');
  expect((await view(rx.id, `W/${etag}`)).status).toBe(304); // weak comparison
  expect((await view(rx.id, `"other", ${etag}`)).status).toBe(304);
  expect((await view(rx.id, '"other"')).status).toBe(200);

  // A new event: a new ETag.
  const c = await claim(h, pharmacy, rx.code);
  const claimed = await view(rx.id, etag);
  expect(claimed.status).toBe(200);
  const etag2 = claimed.headers.get('etag')!;
  expect(etag2).not.toBe(etag);

  // Time alone changes what is shown once a paced delivery becomes due.
  await dispense(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 2 }]);
  const notDue = await view(rx.id);
  expect(((await notDue.json()) as V1PrescriberView).nextDueAt).not.toBeNull();
  const etag3 = notDue.headers.get('etag')!;
  expect((await view(rx.id, etag3)).status).toBe(304);
  h.advance(40 * 86_400_000);
  const due = await view(rx.id, etag3);
  expect(due.status).toBe(200);
  expect(((await due.json()) as V1PrescriberView).nextDueAt).toBeNull();
});

it('a 304 still needs a valid request token: no credentials, no answer', async () => {
  const rx = await issue(h, doctor);
  const etag = (await view(rx.id)).headers.get('etag')!;
  const anonymous = await h.send('GET', `/v1/prescriptions/${rx.id}`, { headers: { 'if-none-match': etag } });
  expect(anonymous.status).toBe(401);
});

it('the directory and the JWKS revalidate by ETag too', async () => {
  for (const path of [`/v1/directory/${doctor.id}`, '/.well-known/jwks.json']) {
    const first = await h.send('GET', path);
    const etag = first.headers.get('etag')!;
    expect(etag, path).toBeTruthy();
    expect((await h.send('GET', path, { headers: { 'if-none-match': etag } })).status, path).toBe(304);
  }
});
