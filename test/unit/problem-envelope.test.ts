/**
 * One problem envelope (RFC 9457) for every answer that is not a success: the routes' refusals,
 * the app's 404 and 500 (onError), and the Worker's 503 before any app exists. Same members,
 * same media type, a code in every one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Store } from '../../src/store/types.js';
import { OrdoError, problemCodes } from '../../src/domain/errors.js';
import { problemDocument } from '../../src/http/problem.js';
import worker from '../../src/worker.js';
import { makeHarness, type Harness } from '../support/harness.js';

const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as never;

async function envelope(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.type).toBe(`urn:ordo:problem:${body.code}`);
  expect(body.status).toBe(res.status);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  return body;
}

describe('the problem document', () => {
  it('has a status and a title for every problem code', () => {
    for (const code of problemCodes) {
      const doc = problemDocument(new OrdoError(code, 'd', { extra: 1 }));
      expect(doc, code).toMatchObject({ type: `urn:ordo:problem:${code}`, code, detail: 'd', extra: 1 });
      expect(doc.status, code).toBeGreaterThanOrEqual(400);
      expect(doc.title.length, code).toBeGreaterThan(0);
    }
    expect(problemDocument(new OrdoError('internal', 'd')).status).toBe(500);
    expect(problemDocument(new OrdoError('misconfigured', 'd')).status).toBe(503);
  });
});

describe('the app', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness();
  });
  afterAll(() => h.close());

  it('answers an unknown route 404 not_found', async () => {
    expect(await envelope(await h.send('GET', '/v1/nowhere'))).toMatchObject({ code: 'not_found', status: 404, title: 'Not found' });
  });

  it('answers a fault of its own 500 internal, logging its kind and message but not answering them', async () => {
    // A store that fails on a read: what a broken disk or a driver bug looks like to a route.
    const broken = new Proxy(h.store, {
      get(target, key) {
        if (key === 'getActor') return async () => { throw new Error('disk on fire'); };
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Store;
    const logs: Record<string, unknown>[] = [];
    const app = createApp({ ...h.deps, store: broken, log: (l) => logs.push(l) });
    const res = await app.request('/v1/directory/100000001');
    expect(res.status).toBe(500);
    const body = await envelope(res);
    expect(body).toMatchObject({ code: 'internal', title: 'Internal error' });
    expect(body.detail).toMatch(/Retrying the same request is safe/);
    expect(JSON.stringify(body)).not.toContain('disk on fire');
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', error: 'Error', message: 'disk on fire', route: '/v1/directory/:actorId' }));
    expect(logs).toContainEqual(expect.objectContaining({ status: 500, problem: 'internal' }));
  });
});

describe('the Worker without its configuration', () => {
  it('answers 503 misconfigured in the same envelope, naming what is wrong', async () => {
    const res = await worker.fetch(new Request('https://ordo.test/healthz'), { DB: {} as never, ORDO_TZ: 'Mars/Olympus' }, ctx);
    expect(res.status).toBe(503);
    const body = await envelope(res);
    expect(body).toMatchObject({ code: 'misconfigured', title: 'Ordo is not configured' });
    expect(body.detail).toMatch(/^Invalid configuration: ORDO_TZ: an IANA time zone.*; ORDO_ADMIN_TOKEN: required/);
  });

  it('lets an error that is not about configuration through', async () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new TypeError('bindings unreadable'); } });
    await expect(worker.fetch(new Request('https://ordo.test/healthz'), hostile as never, ctx)).rejects.toThrow(/bindings unreadable/);
  });
});
