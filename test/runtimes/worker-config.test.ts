/** The Worker entry refuses to run without its secrets or D1 binding, naming what is missing. */
import { expect, it } from 'vitest';
import worker from '../../src/worker.js';

const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as never;

it('answers 503 misconfigured, naming the missing secrets (names only)', async () => {
  const res = await worker.fetch(new Request('https://ordo.test/healthz'), { DB: {} as never, ORDO_ADMIN_TOKEN: 'short' }, ctx);
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { type: string; status: number; code: string; detail: string };
  expect(body).toMatchObject({ type: 'urn:ordo:problem:misconfigured', status: 503, code: 'misconfigured' });
  expect(body.detail).toMatch(/ORDO_ADMIN_TOKEN/);
  expect(body.detail).toMatch(/ORDO_SIGNING_KEY/);
  expect(body.detail).toMatch(/ORDO_TOKEN_KEY/);
  expect(body.detail).not.toContain('short');
  const noDb = await worker.fetch(new Request('https://ordo.test/healthz'), {} as never, ctx);
  expect(noDb.status).toBe(503);
  const detail = ((await noDb.json()) as { detail: string }).detail;
  expect(detail).toMatch(/DB: required, the D1 binding/);
  expect(detail).toMatch(/ORDO_ADMIN_TOKEN/); // the binding and the secrets in one answer
});
