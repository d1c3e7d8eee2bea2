/**
 * The auth matrix: every route that takes a request token (the prescriber's and the pharmacy's)
 * × every way its token can be wrong, and every registrar route × every way its credential can be
 * wrong. Each cell asserts the status and the stable problem code, and that nothing was written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, sha256b64url } from '../../src/crypto/hash.js';
import { b64url } from '../../src/crypto/hash.js';
import { generateKey } from '../../src/client/sign.js';
import { forge, hs256WithPublicKey, unsigned } from '../support/forge.js';
import { ISSUER, issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';

let h: Harness;
type Kind = 'prescriber' | 'pharmacy';
/** Per kind: the acting actor, another of the same kind, a suspended one, one with a revoked key. */
const cast = {} as Record<Kind, { me: TestActor; other: TestActor; suspended: TestActor; revoked: TestActor }>;
let rx: { id: string; code: string };
let claimId: string;

/** `anyKind`: both kinds may call it (the event feed). */
type Route = { name: string; as: Kind; method: string; path: () => string; body: () => unknown; sub?: () => string; anyKind?: boolean };
const routes: Route[] = [
  { name: 'issue', as: 'prescriber', method: 'POST', path: () => '/v1/prescriptions', body: () => ({ prescription: 'x.y.z' }) },
  { name: 'list', as: 'prescriber', method: 'GET', path: () => '/v1/prescriptions', body: () => undefined },
  { name: 'view', as: 'prescriber', method: 'GET', path: () => `/v1/prescriptions/${rx.id}`, body: () => undefined, sub: () => rx.id },
  { name: 'code', as: 'prescriber', method: 'POST', path: () => `/v1/prescriptions/${rx.id}/code`, body: () => ({}), sub: () => rx.id },
  { name: 'cancel', as: 'prescriber', method: 'POST', path: () => `/v1/prescriptions/${rx.id}/cancel`, body: () => ({ reason: 'Erreur de posologie', salt: 'c2FsdC1mb3ItdGhlLW1hdHJpeA' }), sub: () => rx.id },
  { name: 'claim', as: 'pharmacy', method: 'POST', path: () => '/v1/claims', body: () => ({ code: rx.code }), sub: () => rx.id },
  { name: 'dispense', as: 'pharmacy', method: 'POST', path: () => `/v1/claims/${claimId}/dispense`, body: () => ({ dispensation: 'x.y.z' }), sub: () => rx.id },
  { name: 'release', as: 'pharmacy', method: 'POST', path: () => `/v1/claims/${claimId}/release`, body: () => ({}), sub: () => rx.id },
  { name: 'correct', as: 'pharmacy', method: 'POST', path: () => `/v1/claims/${claimId}/correct`, body: () => ({ dispensation: 'x.y.z' }), sub: () => rx.id },
  { name: 'extend', as: 'pharmacy', method: 'POST', path: () => `/v1/claims/${claimId}/extend`, body: () => ({ ttl: 3600 }), sub: () => rx.id },
  { name: 'held', as: 'pharmacy', method: 'GET', path: () => '/v1/claims', body: () => undefined },
  { name: 'feed (prescriber)', as: 'prescriber', method: 'GET', path: () => '/v1/feed', body: () => undefined, anyKind: true },
  { name: 'feed (pharmacy)', as: 'pharmacy', method: 'GET', path: () => '/v1/feed', body: () => undefined, anyKind: true },
];

beforeAll(async () => {
  h = await makeHarness();
  for (const kind of ['prescriber', 'pharmacy'] as const) {
    const [me, other, suspended, revoked] = [await h.addActor(kind), await h.addActor(kind), await h.addActor(kind), await h.addActor(kind)];
    cast[kind] = { me, other, suspended, revoked };
    expect((await h.admin('POST', `/v1/admin/actors/${suspended.id}/suspend`)).status).toBe(200);
    expect((await h.admin('POST', `/v1/admin/actors/${revoked.id}/keys/${revoked.key.kid}/revoke`)).status).toBe(200);
  }
  rx = await issue(h, cast.prescriber.me);
  const c = await h.call(cast.pharmacy.me, 'POST', '/v1/claims', { body: { code: rx.code }, sub: rx.id });
  expect(c.status).toBe(201);
  claimId = ((await c.json()) as { claim: { id: string } }).claim.id;
});
afterAll(() => h.close());

const written = () => h.db.prepare('select (select count(*) from events) e, (select count(*) from request_tokens) t, (select count(*) from prescriptions) p, (select count(*) from dispensations) d').get();

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
const me = (r: Route) => cast[r.as].me;
/** A token for the route by its rightful actor, with claims bent by `over`. */
const good = async (r: Route, over: Record<string, unknown> = {}, headerOver: Record<string, unknown> = {}) => forge(me(r).key, header(me(r), headerOver), await claims(r, me(r), over));

type Cell = { name: string; status: number; code: string; token: (r: Route) => Promise<string | null>; actor?: () => TestActor; only?: (r: Route) => boolean };
const now = () => Math.floor(h.clock.now / 1000);
const cells: Cell[] = [
  { name: 'no credentials', status: 401, code: 'unauthenticated', token: async () => null },
  { name: 'garbage', status: 401, code: 'unauthenticated', token: async () => 'not-a-token' },
  { name: 'expired', status: 401, code: 'token_expired', token: (r) => good(r, { iat: now() - 400, exp: now() - 100 }) },
  { name: 'lifetime too long', status: 401, code: 'unauthenticated', token: (r) => good(r, { exp: now() + 301 }) },
  { name: 'clock skew (iat ahead)', status: 401, code: 'clock_skew', token: (r) => good(r, { iat: now() + 90, exp: now() + 200 }) },
  { name: 'wrong aud', status: 401, code: 'unauthenticated', token: (r) => good(r, { aud: 'https://elsewhere.test' }) },
  { name: 'wrong htm', status: 401, code: 'unauthenticated', token: (r) => good(r, { htm: r.method === 'GET' ? 'POST' : 'GET' }) },
  { name: 'wrong htu', status: 401, code: 'unauthenticated', token: (r) => good(r, { htu: '/v1/elsewhere' }) },
  { name: 'htu with host', status: 401, code: 'unauthenticated', token: (r) => good(r, { htu: `${ISSUER}${r.path()}` }) },
  { name: 'wrong bdh', status: 401, code: 'unauthenticated', token: async (r) => good(r, { bdh: await sha256b64url('{"other":1}') }) },
  { name: 'wrong sub', status: 401, code: 'unauthenticated', only: (r) => !!r.sub, token: (r) => good(r, { sub: '0000000000000000' }) },
  { name: 'missing sub', status: 401, code: 'unauthenticated', only: (r) => !!r.sub, token: async (r) => { const c = await claims(r, me(r)); delete (c as Record<string, unknown>).sub; return forge(me(r).key, header(me(r)), c); } },
  { name: 'wrong typ', status: 401, code: 'unauthenticated', token: (r) => good(r, {}, { typ: 'JWT' }) },
  { name: 'forbidden header member (jwk)', status: 401, code: 'unauthenticated', token: (r) => good(r, {}, { jwk: me(r).key.publicJwk }) },
  { name: 'forbidden header member (crit)', status: 401, code: 'unauthenticated', token: (r) => good(r, {}, { crit: ['exp'] }) },
  { name: 'alg none', status: 401, code: 'unauthenticated', token: async (r) => unsigned({ alg: 'none', kid: me(r).key.kid, typ: 'ordo-req+jwt' }, await claims(r, me(r))) },
  { name: 'HS256 keyed with the public JWK', status: 401, code: 'unauthenticated', token: async (r) => hs256WithPublicKey(me(r).key, await claims(r, me(r))) },
  { name: 'alg not matching the key', status: 401, code: 'unauthenticated', token: async (r) => { const p256 = await generateKey('P-256'); return forge(p256, { alg: 'ES256', kid: me(r).key.kid, typ: 'ordo-req+jwt' }, await claims(r, me(r))); } },
  { name: 'unregistered key', status: 401, code: 'unauthenticated', token: async (r) => { const k = await generateKey(); return forge(k, { alg: 'EdDSA', kid: k.kid, typ: 'ordo-req+jwt' }, await claims(r, me(r))); } },
  { name: "another actor's kid", status: 401, code: 'unauthenticated', token: async (r) => forge(cast[r.as].other.key, header(cast[r.as].other), await claims(r, me(r))) },
  { name: 'bad signature', status: 401, code: 'unauthenticated', token: async (r) => { const t = await good(r); return t.slice(0, -4) + (t.endsWith('AAAA') ? 'BBBB' : 'AAAA'); } },
  { name: 'revoked key', status: 401, code: 'unauthenticated', token: async (r) => { const a = cast[r.as].revoked; return forge(a.key, header(a), await claims(r, a)); } },
  { name: 'suspended actor', status: 403, code: 'forbidden', token: async (r) => { const a = cast[r.as].suspended; return forge(a.key, header(a), await claims(r, a)); } },
  { name: 'wrong actor kind', status: 403, code: 'forbidden', only: (r) => !r.anyKind, token: async (r) => { const a = cast[r.as === 'prescriber' ? 'pharmacy' : 'prescriber'].me; return forge(a.key, header(a), await claims(r, a)); } },
];

describe.each(routes)('$name', (r) => {
  it.each(cells)('$name → $status $code', async (cell) => {
    if (cell.only && !cell.only(r)) return;
    const before = written();
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
    expect(written()).toEqual(before);
  });

  it('replayed token → 401 replayed_token', async () => {
    // On a prescription of its own, so that the first use succeeds whatever the route does.
    const fresh = await issue(h, cast.prescriber.me);
    const c = await h.call(cast.pharmacy.me, 'POST', '/v1/claims', { body: { code: fresh.code }, sub: fresh.id });
    const freshClaim = ((await c.json()) as { claim: { id: string } }).claim.id;
    const route: Route = { ...r, path: () => r.path().replace(rx.id, fresh.id).replace(claimId, freshClaim), sub: r.sub && (() => fresh.id), body: () => (r.name === 'claim' ? { code: fresh.code } : r.body()) };
    const token = await good(route);
    const body = route.body();
    const send = () => h.send(route.method, route.path(), { body: body === undefined ? undefined : JSON.stringify(body), headers: { authorization: `Bearer ${token}` } });
    const first = await send();
    if (first.status >= 400) {
      // The route refused the body itself (a dummy document): its token was not spent.
      expect(((await first.json()) as { code: string }).code).not.toBe('replayed_token');
      expect(['issue', 'dispense', 'correct']).toContain(r.name);
      return;
    }
    const before = written();
    const second = await send();
    expect(second.status).toBe(401);
    expect(((await second.json()) as { code: string }).code).toBe('replayed_token');
    expect(written()).toEqual(before);
  });

  it("another actor's resource → answered as if it did not exist or was not theirs", async () => {
    if (!r.sub) return;
    const before = written();
    const res = await h.call(cast[r.as].other, r.method, r.path(), { body: r.body(), sub: r.sub() });
    const problem = (await res.json()) as { code: string };
    // A prescriber cannot tell another's prescription from none; a pharmacy is told the claim is not its own.
    if (r.as === 'prescriber') expect([res.status, problem.code]).toEqual([404, 'not_found']);
    else if (r.name === 'claim') expect([res.status, problem.code]).toEqual([409, 'claimed_elsewhere']);
    else expect([res.status, problem.code]).toEqual([403, 'forbidden']);
    expect(written()).toEqual(before);
  });
});

describe.each([
  { name: 'add actor', method: 'POST', path: '/v1/admin/actors' },
  { name: 'add key', method: 'POST', path: '/v1/admin/actors/anyone/keys' },
  { name: 'revoke key', method: 'POST', path: '/v1/admin/actors/anyone/keys/kid/revoke' },
  { name: 'suspend', method: 'POST', path: '/v1/admin/actors/anyone/suspend' },
  { name: 'reinstate', method: 'POST', path: '/v1/admin/actors/anyone/reinstate' },
])('registrar: $name', (r) => {
  it.each([
    ['no credentials', () => ({})],
    ['garbage', () => ({ authorization: 'Bearer nope' })],
    ['the token with one character changed', () => ({ authorization: `Bearer ${h.adminToken.slice(0, -1)}${h.adminToken.endsWith('A') ? 'B' : 'A'}` })],
    ['a prefix of the token', () => ({ authorization: `Bearer ${h.adminToken.slice(0, 16)}` })],
    ['the token without Bearer', () => ({ authorization: h.adminToken })],
    ['Basic instead of Bearer', () => ({ authorization: `Basic ${h.adminToken}` })],
  ] as const)('%s → 401 unauthenticated', async (_name, headers) => {
    const before = written();
    const res = await h.send(r.method, r.path, { body: '{}', headers: headers() });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('unauthenticated');
    expect(written()).toEqual(before);
  });

  it("a prescriber's valid request token → 401 (registrar routes take the registrar token only)", async () => {
    const actor = cast.prescriber.me;
    const res = await h.call(actor, r.method, r.path, { body: {} });
    expect(res.status).toBe(401);
  });
});

it('clock skew and expiry answers carry serverTime', async () => {
  const r = routes[1]!;
  const res = await h.send('GET', '/v1/prescriptions', { headers: { authorization: `Bearer ${await good(r, { iat: now() + 120, exp: now() + 200 })}` } });
  expect(await res.json()).toMatchObject({ code: 'clock_skew', serverTime: new Date(h.clock.now).toISOString() });
});
