/**
 * Without ORDO_SANDBOX: the sandbox's routes answer exactly as an unknown route, /healthz says
 * nothing of a sandbox, and the published test keys are refused as actor keys (nothing written).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxActors } from '../../src/service/sandbox-keys.js';
import { makeHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});
afterAll(() => h.close());

const publicOf = ({ d: _d, ...pub }: (typeof sandboxActors)[number]['privateJwk']) => pub;

describe('outside a sandbox', () => {
  it('POST /v1/admin/clock and the samples are 404 not_found, as an unknown route', async () => {
    const unknown = await h.admin('POST', '/v1/admin/no-such-route', { advance: 'P1D' });
    const expected = [unknown.status, await unknown.json()];
    expect(expected[0]).toBe(404);
    for (const [method, path, body] of [['POST', '/v1/admin/clock', { advance: 'P1D' }], ['GET', '/v1/admin/sandbox/samples', undefined]] as const) {
      const res = await h.admin(method, path, body);
      expect([res.status, await res.json()], path).toEqual(expected);
    }
  });

  it('/healthz has no sandbox member', async () => {
    expect(await (await h.send('GET', '/healthz')).json()).toEqual({ status: 'ok', database: 'ok' });
  });

  it.each(sandboxActors.map((a) => [a.id, a]))('refuses the published key of %s: as an actor key and as an added key', async (_, a) => {
    const added = await h.admin('POST', '/v1/admin/actors', { id: 'real-actor-1', kind: a.kind, name: 'Someone real', keys: [publicOf(a.privateJwk)] });
    const problem = (await added.json()) as { code: string; detail: string };
    expect([added.status, problem.code]).toEqual([400, 'bad_request']);
    expect(problem.detail).toMatch(/published sandbox test keys/);
    expect(await h.rows('select id from actors where id = ?', 'real-actor-1')).toEqual([]);

    const someone = await h.addActor(a.kind);
    const key = await h.admin('POST', `/v1/admin/actors/${someone.id}/keys`, { jwk: publicOf(a.privateJwk) });
    expect([key.status, ((await key.json()) as { code: string }).code]).toEqual([400, 'bad_request']);
    expect(await h.rows('select kid from actor_keys where kid = ?', a.kid)).toEqual([]);
  });

  it('another key in the same request does not let a published one through', async () => {
    const own = (await import('../../src/client/sign.js')).generateKey;
    const mine = await own();
    const res = await h.admin('POST', '/v1/admin/actors', { id: 'real-actor-2', kind: 'pharmacy', name: 'Pharmacie réelle', keys: [mine.publicJwk, publicOf(sandboxActors[2]!.privateJwk)] });
    expect(res.status).toBe(400);
    expect(await h.rows('select id from actors where id = ?', 'real-actor-2')).toEqual([]);
  });
});

describe('the OpenAPI document', () => {
  it('lists the sandbox routes (answering 404 outside a sandbox) and /healthz with its sandbox member', async () => {
    const doc = (await (await h.send('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId?: string; tags?: string[]; responses: Record<string, unknown> }>>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    expect(doc.paths['/v1/admin/clock']?.post).toMatchObject({ operationId: 'moveSandboxClock', tags: ['Sandbox'] });
    expect(Object.keys(doc.paths['/v1/admin/clock']!.post!.responses)).toContain('404');
    expect(doc.paths['/v1/admin/sandbox/samples']?.get?.operationId).toBe('listSandboxSamples');
    expect(doc.paths['/healthz']?.get?.operationId).toBe('getHealth');
    expect(Object.keys(doc.components.schemas.HealthAnswer!.properties!)).toEqual(['status', 'database', 'sandbox']);
  });
});
