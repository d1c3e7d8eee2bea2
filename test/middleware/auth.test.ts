/**
 * requireActor and requireRegistrar on a tiny Hono app: a real migrated SQLite store (in memory),
 * real keys, a clock the test sets, and the app's mapping of OrdoError to problems. One route per
 * option set; each refusal asserts its status, stable code and the reason given.
 */
import { join } from 'node:path';
import { Hono } from 'hono';
import { base64url } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKey, signRequestToken, type RequestTokenInput, type SigningKey } from '../../src/client/sign.js';
import type { Config } from '../../src/config.js';
import { b64url, randomBytes, sha256b64url } from '../../src/crypto/hash.js';
import { parsePublicJwk } from '../../src/crypto/keys.js';
import type { Deps } from '../../src/deps.js';
import { OrdoError } from '../../src/domain/errors.js';
import type { AppEnv } from '../../src/http/env.js';
import { requireActor, requireRegistrar } from '../../src/http/middleware/auth.js';
import { jsonBody } from '../../src/http/middleware/json-body.js';
import { problemResponse } from '../../src/http/problem.js';
import { openSqlite } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { forge } from '../support/forge.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';

const ISSUER = 'https://ordo.test';
const SKEW = 60;
/** 2026-11-28T10:00:00Z */
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const ADMIN_TOKEN = b64url(randomBytes(32));

type Actor = { id: string; key: SigningKey };
let store: Store;
let close: () => void;
let now = T0;
const nowSec = () => Math.floor(now / 1000);
let doctor: Actor;
let doctorP256: Actor;
let pharmacy: Actor;

async function addActor(id: string, kind: 'prescriber' | 'pharmacy', type: 'Ed25519' | 'P-256' = 'Ed25519', keys = 1): Promise<Actor & { others: SigningKey[] }> {
  const all = await Promise.all(Array.from({ length: keys }, () => generateKey(type)));
  const at = new Date(T0 - 86_400_000).toISOString();
  const rows = await Promise.all(
    all.map(async (k) => {
      const p = await parsePublicJwk(k.publicJwk);
      return { actorId: id, kid: p.kid, jwk: JSON.stringify(p.jwk), alg: p.alg, addedAt: at, revokedAt: null };
    }),
  );
  await store.insertActor({ id, kind, name: id, profession: null, specialty: null, status: 'active', createdAt: at }, rows);
  return { id, key: all[0]!, others: all.slice(1) };
}

function tinyApp(): Hono<AppEnv> {
  const deps = {
    store,
    crypto: nodeSuite,
    config: ({ issuer: ISSUER, skew: SKEW } satisfies Partial<Config>) as Config,
    keys: { adminToken: ADMIN_TOKEN } as Deps['keys'],
    clock: () => now,
    log: () => {},
    clientAddress: () => '192.0.2.1',
  } satisfies Deps;
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use('*', jsonBody());
  const seen = (c: { var: AppEnv['Variables'] }) => {
    const { actor, kid, alg, sub, use } = c.var.caller;
    return { actor: actor.id, kid, alg, sub: sub ?? null, use };
  };
  app.get('/v1/doc', requireActor({ kind: 'prescriber' }), (c) => c.json(seen(c)));
  app.post('/v1/doc', requireActor({ kind: 'prescriber' }), (c) => c.json(seen(c), 201));
  app.get('/v1/rx/:id', requireActor({ kind: 'prescriber', sub: 'id' }), (c) => c.json(seen(c)));
  app.post('/v1/claims', requireActor({ kind: 'pharmacy', sub: true }), (c) => c.json(seen(c), 201));
  app.get('/v1/read', requireActor({ kind: 'prescriber', recordRead: true }), (c) => c.json(seen(c)));
  app.get('/v1/read-missing', requireActor({ kind: 'prescriber', recordRead: true }), () => {
    throw new OrdoError('not_found', 'No such thing.');
  });
  app.post('/v1/admin', requireRegistrar(), (c) => c.json({ ok: true }));
  app.onError((err, c) => (err instanceof OrdoError ? problemResponse(c, err) : c.text(`unexpected: ${err.message}`, 500)));
  return app;
}

let app: Hono<AppEnv>;

beforeAll(async () => {
  const opened = openSqlite(':memory:', { migrationsFolder: join(import.meta.dirname, '../../drizzle'), packer: nodeSuite });
  store = opened.store;
  close = () => opened.db.close();
  doctor = await addActor('10001234567', 'prescriber');
  doctorP256 = await addActor('10007654321', 'prescriber', 'P-256');
  pharmacy = await addActor('750012345', 'pharmacy');
  app = tinyApp();
});
afterAll(() => close());
beforeEach(() => {
  now = T0;
});

type Call = { method?: string; path?: string; body?: string; headers?: Record<string, string>; token?: string } & Partial<Omit<RequestTokenInput, 'body'>> & { tokenBody?: string };

/** A request whose token is right for it, unless the options bend one side or the other. */
async function call(actor: Actor, o: Call = {}) {
  const method = o.method ?? 'GET';
  const path = o.path ?? '/v1/doc';
  const token =
    o.token ??
    (await signRequestToken({
      key: o.key ?? actor.key, iss: o.iss ?? actor.id, aud: o.aud ?? ISSUER, method, path: path.split('?')[0]!,
      body: o.tokenBody ?? o.body, sub: o.sub, now: o.now ?? nowSec(), lifetime: o.lifetime, jti: o.jti,
    }));
  return send(method, path, { body: o.body, headers: { authorization: `Bearer ${token}`, ...o.headers } });
}

function send(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const headers = { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers };
  return app.request(path, { method, body: init.body, headers });
}

/** The problem answered: status, code and detail. */
async function problem(res: Response) {
  const body = (await res.json()) as { code: string; detail: string; serverTime?: string };
  return { status: res.status, code: body.code, detail: body.detail, serverTime: body.serverTime };
}

const unauthenticated = (detail: string | RegExp) => ({ status: 401, code: 'unauthenticated', detail: typeof detail === 'string' ? detail : expect.stringMatching(detail) });

/** Claims a correct token for GET /v1/doc carries (for hand-made tokens). */
const claims = (actor: Actor, over: Record<string, unknown> = {}) => ({
  iss: actor.id, aud: ISSUER, iat: nowSec(), exp: nowSec() + 120, jti: b64url(randomBytes(18)), htm: 'GET', htu: '/v1/doc', ...over,
});
const header = (actor: Actor, over: Record<string, unknown> = {}) => ({ alg: actor.key.alg, kid: actor.key.kid, typ: 'ordo-req+jwt', ...over });

describe('requireActor: a good token', () => {
  it('lets the request through and tells the route who the caller is', async () => {
    const res = await call(doctor, { jti: 'j'.repeat(20) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      actor: doctor.id, kid: doctor.key.kid, alg: 'EdDSA', sub: null,
      use: { iss: doctor.id, jti: 'j'.repeat(20), expiresAt: (nowSec() + 120 + SKEW) * 1000 },
    });
  });

  it('accepts P-256 keys (ES256) as well as Ed25519', async () => {
    const res = await call(doctorP256);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ actor: doctorP256.id, alg: 'ES256' });
  });

  it('accepts a body whose hash is bdh', async () => {
    const res = await call(doctor, { method: 'POST', body: JSON.stringify({ a: 1 }) });
    expect(res.status).toBe(201);
  });

  it('accepts the longest lifetime (300 s) and an iat up to the skew ahead', async () => {
    expect((await call(doctor, { lifetime: 300 })).status).toBe(200);
    expect((await call(doctor, { now: nowSec() + SKEW })).status).toBe(200);
  });

  it('accepts a token that expired within the skew', async () => {
    expect((await call(doctor, { now: nowSec() - 120 - SKEW, lifetime: 120 })).status).toBe(200);
  });
});

describe('requireActor: the Authorization header', () => {
  it('refuses a request without one', async () => {
    const res = await send('GET', '/v1/doc');
    expect(await problem(res)).toMatchObject(unauthenticated('Send a signed request token: Authorization: Bearer <JWS>.'));
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('refuses another scheme, or Bearer without a token', async () => {
    const token = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'GET', path: '/v1/doc', now: nowSec() });
    for (const value of [`Basic ${token}`, `bearer ${token}`, `Token ${token}`, 'Bearer ', 'Bearer']) {
      expect(await problem(await send('GET', '/v1/doc', { headers: { authorization: value } })), value).toMatchObject(
        unauthenticated('Authorization must be "Bearer <JWS>".'),
      );
    }
  });

  it('refuses a header longer than 8192 characters before parsing it', async () => {
    const res = await send('GET', '/v1/doc', { headers: { authorization: `Bearer ${'a'.repeat(8200)}` } });
    expect(await problem(res)).toMatchObject(unauthenticated('Authorization header too long.'));
  });

  it('refuses something that is not a compact JWS', async () => {
    expect(await problem(await call(doctor, { token: 'a.b' }))).toMatchObject(unauthenticated('Request token refused: not a compact JWS.'));
    expect(await problem(await call(doctor, { token: 'e30.e30.!!' }))).toMatchObject(unauthenticated('Request token refused: not a compact JWS.'));
  });
});

describe('requireActor: the protected header', () => {
  it('refuses another typ', async () => {
    for (const typ of ['JWT', 'ordo-rx+jwt', undefined]) {
      const token = await forge(doctor.key, header(doctor, { typ }), claims(doctor));
      expect(await problem(await call(doctor, { token })), String(typ)).toMatchObject(unauthenticated('Request token refused: typ must be ordo-req+jwt.'));
    }
  });

  it('refuses any member besides alg, kid and typ', async () => {
    for (const extra of [{ jwk: doctor.key.publicJwk }, { crit: ['b64'], b64: false }, { jku: 'https://evil.test/jwks' }, { x5u: 'https://evil.test' }]) {
      const token = await forge(doctor.key, header(doctor, extra), claims(doctor));
      expect(await problem(await call(doctor, { token }))).toMatchObject(
        unauthenticated(`Request token refused: header member not allowed: ${Object.keys(extra).join(', ')}.`),
      );
    }
  });

  it('refuses an alg other than EdDSA, ES256, PS256 and RS256, and a missing kid', async () => {
    const hs = await forge(doctor.key, header(doctor, { alg: 'HS256' }), claims(doctor));
    expect(await problem(await call(doctor, { token: hs }))).toMatchObject(unauthenticated('Request token refused: alg must be EdDSA, ES256, PS256 or RS256.'));
    const noKid = await forge(doctor.key, header(doctor, { kid: undefined }), claims(doctor));
    expect(await problem(await call(doctor, { token: noKid }))).toMatchObject(unauthenticated('Request token refused: kid missing.'));
  });
});

describe('requireActor: the claims', () => {
  it('refuses an iss that is not an actor id', async () => {
    const token = await forge(doctor.key, header(doctor), claims(doctor, { iss: 'not an id!' }));
    expect(await problem(await call(doctor, { token }))).toMatchObject(unauthenticated('Request token: iss must be your actor id.'));
  });

  it('refuses a token for another audience', async () => {
    expect(await problem(await call(doctor, { aud: 'https://other.test' }))).toMatchObject(unauthenticated(`Request token: aud must be ${ISSUER}.`));
  });

  it('refuses a token signed for another method', async () => {
    const token = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'POST', path: '/v1/doc', now: nowSec() });
    expect(await problem(await call(doctor, { token }))).toMatchObject(unauthenticated('Request token: htm must be GET.'));
  });

  it('refuses a token signed for another path, and compares the path without the query', async () => {
    const token = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'GET', path: '/v1/other', now: nowSec() });
    expect(await problem(await call(doctor, { token }))).toMatchObject(unauthenticated('Request token: htu must be /v1/doc (path only).'));
    expect((await call(doctor, { path: '/v1/doc?x=1' })).status).toBe(200);
  });

  it('refuses iat and exp that are not whole seconds', async () => {
    for (const over of [{ iat: nowSec() + 0.5 }, { exp: String(nowSec() + 60) }, { iat: undefined }]) {
      const token = await forge(doctor.key, header(doctor), claims(doctor, over));
      expect(await problem(await call(doctor, { token }))).toMatchObject(unauthenticated('Request token: iat and exp must be whole seconds.'));
    }
  });

  it('refuses a lifetime over 300 s, or exp before iat', async () => {
    const detail = 'Request token: lifetime (exp - iat) must be at most 300 s.';
    expect(await problem(await call(doctor, { lifetime: 301 }))).toMatchObject(unauthenticated(detail));
    const backwards = await forge(doctor.key, header(doctor), claims(doctor, { exp: nowSec() - 1 }));
    expect(await problem(await call(doctor, { token: backwards }))).toMatchObject(unauthenticated(detail));
  });

  it('answers clock_skew, with the server time, to a token from the future', async () => {
    now = T0 + 123; // not a whole second: serverTime is the server's clock as it is
    const res = await call(doctor, { now: nowSec() + SKEW + 1 });
    expect(await problem(res)).toEqual({
      status: 401, code: 'clock_skew', detail: 'Your clock is ahead of the server: set it right and sign again.', serverTime: new Date(now).toISOString(),
    });
  });

  it('answers token_expired, with the server time, once exp is more than the skew ago', async () => {
    const res = await call(doctor, { now: nowSec() - 120 - SKEW - 1, lifetime: 120 });
    expect(await problem(res)).toEqual({
      status: 401, code: 'token_expired', detail: 'The request token has expired: sign a new one.', serverTime: new Date(now).toISOString(),
    });
  });

  it('refuses a jti shorter than 16 or longer than 128 characters', async () => {
    for (const jti of ['short', 'x'.repeat(129)]) {
      expect(await problem(await call(doctor, { jti }))).toMatchObject(unauthenticated('Request token: jti must be 16 to 128 characters.'));
    }
  });
});

describe('requireActor: the body hash (bdh)', () => {
  const detail = 'Request token: bdh does not match the body sent.';

  it('refuses a body other than the one signed', async () => {
    const res = await call(doctor, { method: 'POST', body: JSON.stringify({ a: 2 }), tokenBody: JSON.stringify({ a: 1 }) });
    expect(await problem(res)).toMatchObject(unauthenticated(detail));
  });

  it('refuses a body sent with a token that has no bdh', async () => {
    const token = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'POST', path: '/v1/doc', now: nowSec() });
    expect(await problem(await call(doctor, { method: 'POST', body: '{}', token }))).toMatchObject(unauthenticated(detail));
  });

  it('refuses a bdh when no body is sent', async () => {
    const token = await forge(doctor.key, header(doctor), claims(doctor, { bdh: await sha256b64url('{}') }));
    expect(await problem(await call(doctor, { token }))).toMatchObject(unauthenticated(detail));
  });

  it('hashes the exact bytes: the same JSON spaced differently is another body', async () => {
    const res = await call(doctor, { method: 'POST', body: '{"a": 1}', tokenBody: '{"a":1}' });
    expect(await problem(res)).toMatchObject(unauthenticated(detail));
  });
});

describe('requireActor: sub', () => {
  it('requires sub where the route names a prescription, and it must be that one', async () => {
    expect(await problem(await call(doctor, { path: '/v1/rx/RX1' }))).toMatchObject(unauthenticated('Request token: sub is required on this route.'));
    expect(await problem(await call(doctor, { path: '/v1/rx/RX1', sub: 'RX2' }))).toMatchObject(unauthenticated('Request token: sub does not name this prescription.'));
    const res = await call(doctor, { path: '/v1/rx/RX1', sub: 'RX1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: 'RX1' });
  });

  it('requires sub where the route checks it itself (sub: true), whatever its value', async () => {
    const body = JSON.stringify({ code: 'x' });
    expect(await problem(await call(pharmacy, { method: 'POST', path: '/v1/claims', body }))).toMatchObject(unauthenticated('Request token: sub is required on this route.'));
    const res = await call(pharmacy, { method: 'POST', path: '/v1/claims', body, sub: 'anything' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ actor: pharmacy.id, sub: 'anything' });
  });

  it('refuses a sub that is not a string, even where no sub is needed', async () => {
    const token = await forge(doctor.key, header(doctor), claims(doctor, { sub: 42 }));
    expect(await problem(await call(doctor, { token }))).toMatchObject(unauthenticated('Request token: sub must be a string.'));
  });
});

describe('requireActor: the key and the actor', () => {
  it('refuses a key that is not in the directory, and an actor that is not', async () => {
    const stranger = { id: doctor.id, key: await generateKey() };
    expect(await problem(await call(stranger))).toMatchObject(unauthenticated('Request token: no such key for this actor in the directory.'));
    expect(await problem(await call(doctor, { iss: '10009999999' }))).toMatchObject(unauthenticated('Request token: no such key for this actor in the directory.'));
  });

  it("refuses another actor's key", async () => {
    const token = await signRequestToken({ key: pharmacy.key, iss: doctor.id, aud: ISSUER, method: 'GET', path: '/v1/doc', now: nowSec() });
    expect(await problem(await call(doctor, { token }))).toMatchObject(unauthenticated('Request token: no such key for this actor in the directory.'));
  });

  it('refuses a key once its revocation time has come, and not before', async () => {
    const a = await addActor('10000000001', 'prescriber', 'Ed25519', 2);
    await store.revokeKey(a.id, a.key.kid, new Date(T0).toISOString());
    await store.revokeKey(a.id, a.others[0]!.kid, new Date(T0 + 60_000).toISOString());
    expect(await problem(await call(a))).toMatchObject(unauthenticated('Request token: this key has been revoked.'));
    expect((await call({ id: a.id, key: a.others[0]! })).status).toBe(200);
    now = T0 + 60_000;
    expect(await problem(await call({ id: a.id, key: a.others[0]! }))).toMatchObject(unauthenticated('Request token: this key has been revoked.'));
  });

  it('pins the algorithm to the key: an Ed25519 key named with ES256 is refused', async () => {
    const token = await forge(doctor.key, header(doctor, { alg: 'ES256' }), claims(doctor));
    expect(await problem(await call(doctor, { token }))).toMatchObject(unauthenticated('Request token: this key signs with EdDSA, not ES256.'));
    const p256 = await forge(doctorP256.key, header(doctorP256, { alg: 'EdDSA' }), claims(doctorP256));
    expect(await problem(await call(doctorP256, { token: p256 }))).toMatchObject(unauthenticated('Request token: this key signs with ES256, not EdDSA.'));
  });

  it('refuses a bad signature', async () => {
    const good = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'GET', path: '/v1/doc', now: nowSec() });
    const [h, p, s] = good.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
    expect(await problem(await call(doctor, { token: flipped }))).toMatchObject(unauthenticated('Request token: bad signature.'));
    // Signed by another key, under the kid of the registered one.
    const other = await forge({ ...(await generateKey()), kid: doctor.key.kid }, header(doctor), claims(doctor));
    expect(await problem(await call(doctor, { token: other }))).toMatchObject(unauthenticated('Request token: bad signature.'));
    // The claims changed after signing.
    const tampered = { ...JSON.parse(new TextDecoder().decode(base64url.decode(p))), jti: 'y'.repeat(20) };
    const changed = `${h}.${base64url.encode(JSON.stringify(tampered))}.${s}`;
    expect(await problem(await call(doctor, { token: changed }))).toMatchObject(unauthenticated('Request token: bad signature.'));
  });

  it('refuses a suspended actor with 403, once the signature is good', async () => {
    const a = await addActor('10000000002', 'prescriber');
    await store.setActorStatus(a.id, 'suspended');
    expect(await problem(await call(a))).toEqual({ status: 403, code: 'forbidden', detail: 'This actor is suspended.', serverTime: undefined });
  });

  it('refuses an actor of the other kind with 403', async () => {
    expect(await problem(await call(pharmacy))).toMatchObject({ status: 403, code: 'forbidden', detail: 'Only a prescriber may do this.' });
    const body = JSON.stringify({ code: 'x' });
    expect(await problem(await call(doctor, { method: 'POST', path: '/v1/claims', body, sub: 'x' }))).toMatchObject({
      status: 403, code: 'forbidden', detail: 'Only a pharmacy may do this.',
    });
  });
});

describe('requireActor: replays', () => {
  it('records the token of a read route once it succeeds: a second use is replayed_token', async () => {
    const token = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'GET', path: '/v1/read', now: nowSec() });
    expect((await call(doctor, { path: '/v1/read', token })).status).toBe(200);
    expect(await problem(await call(doctor, { path: '/v1/read', token }))).toMatchObject({
      status: 401, code: 'replayed_token', detail: 'This request token was already used: sign a new one.',
    });
  });

  it('does not record the token when the read route fails', async () => {
    const token = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'GET', path: '/v1/read-missing', now: nowSec() });
    expect((await call(doctor, { path: '/v1/read-missing', token })).status).toBe(404);
    expect((await call(doctor, { path: '/v1/read-missing', token })).status).toBe(404);
  });

  it('leaves recording to the step on other routes (it writes the token with its transition)', async () => {
    const token = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'GET', path: '/v1/doc', now: nowSec() });
    expect((await call(doctor, { token })).status).toBe(200);
    expect((await call(doctor, { token })).status).toBe(200);
  });

  it('tracks replays per issuer: the same jti from two actors is two tokens', async () => {
    const jti = 'same-jti-for-both-1';
    expect((await call(doctor, { path: '/v1/read', jti })).status).toBe(200);
    expect((await call(doctorP256, { path: '/v1/read', jti })).status).toBe(200);
  });
});

describe('requireRegistrar', () => {
  const detail = 'Registrar routes need Authorization: Bearer <ORDO_ADMIN_TOKEN>.';

  it('lets the registrar through with its bearer token', async () => {
    const res = await send('POST', '/v1/admin', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it('refuses a missing, empty, wrong or differently sent token', async () => {
    for (const authorization of [undefined, '', 'Bearer ', `Bearer ${ADMIN_TOKEN}x`, `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, `Basic ${ADMIN_TOKEN}`, ADMIN_TOKEN, `bearer ${ADMIN_TOKEN}`]) {
      const res = await send('POST', '/v1/admin', { headers: authorization === undefined ? {} : { authorization } });
      expect(await problem(res), String(authorization)).toMatchObject(unauthenticated(detail));
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it("refuses a practitioner's request token", async () => {
    const token = await signRequestToken({ key: doctor.key, iss: doctor.id, aud: ISSUER, method: 'POST', path: '/v1/admin', now: nowSec() });
    expect(await problem(await send('POST', '/v1/admin', { headers: { authorization: `Bearer ${token}` } }))).toMatchObject(unauthenticated(detail));
  });
});
