/**
 * The auth matrix: every prescriber route × every way its request token can be wrong.
 * Each cell asserts the status and the stable problem code, and that nothing was written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, sha256b64url } from '../src/crypto/hash.js';
import { b64url } from '../src/crypto/hash.js';
import { generateKey } from '../src/client/sign.js';
import { forge, hs256WithPublicKey, unsigned } from './support/forge.js';
import { ISSUER, issue, makeHarness, type Harness, type TestActor } from './support/harness.js';

let h: Harness;
let doctor: TestActor;
let other: TestActor;
let pharmacy: TestActor;
let suspended: TestActor;
let revoked: TestActor;
let rxId: string;

type Route = { name: string; method: string; path: () => string; body: () => unknown; sub?: () => string };
const routes: Route[] = [
  { name: 'issue', method: 'POST', path: () => '/v1/prescriptions', body: () => ({ prescription: 'x.y.z' }) },
  { name: 'list', method: 'GET', path: () => '/v1/prescriptions', body: () => undefined },
  { name: 'view', method: 'GET', path: () => `/v1/prescriptions/${rxId}`, body: () => undefined, sub: () => rxId },
  { name: 'code', method: 'POST', path: () => `/v1/prescriptions/${rxId}/code`, body: () => ({}), sub: () => rxId },
];

beforeAll(async () => {
  h = await makeHarness();
  doctor = await h.addActor('prescriber');
  other = await h.addActor('prescriber');
  pharmacy = await h.addActor('pharmacy');
  suspended = await h.addActor('prescriber');
  revoked = await h.addActor('prescriber');
  rxId = (await issue(h, doctor)).id;
  expect((await h.admin('POST', `/v1/admin/actors/${suspended.id}/suspend`)).status).toBe(200);
  expect((await h.admin('POST', `/v1/admin/actors/${revoked.id}/keys/${revoked.key.kid}/revoke`)).status).toBe(200);
});
afterAll(() => h.close());

/** The claims a correct token for this route would carry. */
async function claims(r: Route, actor: TestActor, over: Record<string, unknown> = {}) {
  const body = r.body();
  const now = Math.floor(h.clock.now / 1000);
  return {
    iss: actor.id, aud: ISSUER, iat: now, exp: now + 120, jti: b64url(randomBytes(18)), htm: r.method, htu: r.path(),
    ...(body !== undefined && { bdh: await sha256b64url(JSON.stringify(body)) }),
    ...(r.sub && { sub: r.sub() }),
    ...over,
  };
}
const header = (actor: TestActor, over: Record<string, unknown> = {}) => ({ alg: actor.key.alg, kid: actor.key.kid, typ: 'ordo-req+jwt', ...over });

type Cell = { name: string; status: number; code: string; token: (r: Route) => Promise<string | null>; actor?: () => TestActor; only?: (r: Route) => boolean };
const cells: Cell[] = [
  { name: 'no credentials', status: 401, code: 'unauthenticated', token: async () => null },
  { name: 'garbage', status: 401, code: 'unauthenticated', token: async () => 'not-a-token' },
  { name: 'expired', status: 401, code: 'token_expired', token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { iat: Math.floor(h.clock.now / 1000) - 400, exp: Math.floor(h.clock.now / 1000) - 100 })) },
  { name: 'lifetime too long', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { exp: Math.floor(h.clock.now / 1000) + 301 })) },
  { name: 'clock skew (iat ahead)', status: 401, code: 'clock_skew', token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { iat: Math.floor(h.clock.now / 1000) + 90, exp: Math.floor(h.clock.now / 1000) + 200 })) },
  { name: 'wrong aud', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { aud: 'https://elsewhere.test' })) },
  { name: 'wrong htm', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { htm: r.method === 'GET' ? 'POST' : 'GET' })) },
  { name: 'wrong htu', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { htu: '/v1/elsewhere' })) },
  { name: 'htu with host', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { htu: `${ISSUER}${r.path()}` })) },
  { name: 'wrong bdh', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { bdh: await sha256b64url('{"other":1}') })) },
  { name: 'wrong sub', status: 401, code: 'unauthenticated', only: (r) => !!r.sub, token: async (r) => forge(doctor.key, header(doctor), await claims(r, doctor, { sub: '0000000000000000' })) },
  { name: 'missing sub', status: 401, code: 'unauthenticated', only: (r) => !!r.sub, token: async (r) => { const c = await claims(r, doctor); delete (c as Record<string, unknown>).sub; return forge(doctor.key, header(doctor), c); } },
  { name: 'wrong typ', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor, { typ: 'JWT' }), await claims(r, doctor)) },
  { name: 'forbidden header member (jwk)', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor, { jwk: doctor.key.publicJwk }), await claims(r, doctor)) },
  { name: 'forbidden header member (crit)', status: 401, code: 'unauthenticated', token: async (r) => forge(doctor.key, header(doctor, { crit: ['exp'] }), await claims(r, doctor)) },
  { name: 'alg none', status: 401, code: 'unauthenticated', token: async (r) => unsigned({ alg: 'none', kid: doctor.key.kid, typ: 'ordo-req+jwt' }, await claims(r, doctor)) },
  { name: 'HS256 keyed with the public JWK', status: 401, code: 'unauthenticated', token: async (r) => hs256WithPublicKey(doctor.key, await claims(r, doctor)) },
  { name: 'alg not matching the key', status: 401, code: 'unauthenticated', token: async (r) => { const p256 = await generateKey('P-256'); return forge(p256, { alg: 'ES256', kid: doctor.key.kid, typ: 'ordo-req+jwt' }, await claims(r, doctor)); } },
  { name: 'unregistered key', status: 401, code: 'unauthenticated', token: async (r) => { const k = await generateKey(); return forge(k, { alg: 'EdDSA', kid: k.kid, typ: 'ordo-req+jwt' }, await claims(r, doctor)); } },
  { name: "another actor's kid", status: 401, code: 'unauthenticated', token: async (r) => forge(other.key, header(other), await claims(r, doctor)) },
  { name: 'bad signature', status: 401, code: 'unauthenticated', token: async (r) => { const t = await forge(doctor.key, header(doctor), await claims(r, doctor)); return t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA'); } },
  { name: 'revoked key', status: 401, code: 'unauthenticated', actor: () => revoked, token: async (r) => forge(revoked.key, header(revoked), await claims(r, revoked)) },
  { name: 'suspended actor', status: 403, code: 'forbidden', actor: () => suspended, token: async (r) => forge(suspended.key, header(suspended), await claims(r, suspended)) },
  { name: 'wrong actor kind', status: 403, code: 'forbidden', token: async (r) => forge(pharmacy.key, header(pharmacy), await claims(r, pharmacy)) },
];

describe.each(routes)('$name', (r) => {
  it.each(cells)('$name → $status $code', async (cell) => {
    if (cell.only && !cell.only(r)) return;
    const before = h.db.prepare('select (select count(*) from events) e, (select count(*) from request_tokens) t, (select count(*) from prescriptions) p').get();
    const token = await cell.token(r);
    const body = r.body();
    const res = await h.send(r.method, r.path(), {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(cell.status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { code: string };
    expect(problem.code).toBe(cell.code);
    expect(h.db.prepare('select (select count(*) from events) e, (select count(*) from request_tokens) t, (select count(*) from prescriptions) p').get()).toEqual(before);
  });

  it('replayed token → 401 replayed_token', async () => {
    const token = await forge(doctor.key, header(doctor), await claims(r, doctor));
    const body = r.body();
    const send = () => h.send(r.method, r.path(), { body: body === undefined ? undefined : JSON.stringify(body), headers: { authorization: `Bearer ${token}` } });
    const first = await send();
    if (first.status >= 400) {
      // The route refused the body itself (issue with a dummy document): its token was not spent.
      expect((await first.json()).code).not.toBe('replayed_token');
      return;
    }
    const second = await send();
    expect(second.status).toBe(401);
    expect(((await second.json()) as { code: string }).code).toBe('replayed_token');
  });

  it('another prescriber\'s resource → 404 (indistinguishable from unknown)', async () => {
    if (!r.sub) return;
    const res = await h.call(other, r.method, r.path(), { body: r.body(), sub: r.sub() });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('not_found');
  });
});

it('clock skew and expiry answers carry serverTime', async () => {
  const r = routes[1]!;
  const now = Math.floor(h.clock.now / 1000);
  const res = await h.send('GET', '/v1/prescriptions', { headers: { authorization: `Bearer ${await forge(doctor.key, header(doctor), await claims(r, doctor, { iat: now + 120, exp: now + 200 }))}` } });
  expect(await res.json()).toMatchObject({ code: 'clock_skew', serverTime: new Date(h.clock.now).toISOString() });
});
