/** requestId beside itself: Ordo's own id on the context and in the answer, never the client's. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/env.js';
import { requestId } from '../../src/http/middleware/request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function app(opts?: Parameters<typeof requestId>[0]) {
  const a = new Hono<AppEnv>();
  a.use('*', requestId(opts));
  a.get('/', (c) => c.text(c.var.requestId));
  return a;
}

describe('requestId', () => {
  it('makes a fresh UUID for every request, the same on the context and in X-Request-Id', async () => {
    const a = app();
    const [r1, r2] = [await a.request('/'), await a.request('/')];
    const id1 = await r1.text();
    expect(id1).toMatch(UUID);
    expect(r1.headers.get('x-request-id')).toBe(id1);
    expect(await r2.text()).not.toBe(id1);
  });

  it("never takes up or echoes the client's X-Request-Id, whatever it holds", async () => {
    for (const sent of ['7Z3K9Q2M4N6P8R0TABCDEFGHJKMNPQRSTVWXYZ01', '0b8c6a3e-1d2f-4a5b-8c7d-9e0f1a2b3c4d', 'Martin-Jeanne']) {
      const res = await app().request('/', { headers: { 'X-Request-Id': sent } });
      expect(await res.clone().text()).not.toBe(sent);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('takes another header name and generator', async () => {
    const res = await app({ headerName: 'X-Ordo-Request', generate: () => 'fixed' }).request('/');
    expect([await res.text(), res.headers.get('x-ordo-request'), res.headers.get('x-request-id')]).toEqual(['fixed', 'fixed', null]);
  });
});
