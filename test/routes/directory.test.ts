import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK } from 'jose';
import { generateKey } from '../../src/client/sign.js';
import type { V1DirectoryEntry, V1Jwks } from '../../src/contract/index.js';
import { makeHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});
afterAll(() => h.close());

describe('registrar', () => {
  it('adds a prescriber with Ed25519 and P-256 keys, listed publicly', async () => {
    const ed = await generateKey('Ed25519');
    const ec = await generateKey('P-256');
    const res = await h.admin('POST', '/v1/admin/actors', { id: '10001234567', kind: 'prescriber', name: 'Dr Claire Roussel', profession: 'médecin', specialty: 'médecine générale', keys: [ed.publicJwk, ec.publicJwk] });
    expect(res.status).toBe(201);
    const pub = await h.send('GET', '/v1/directory/10001234567');
    expect(pub.status).toBe(200);
    const entry = (await pub.json()) as V1DirectoryEntry;
    expect(entry).toMatchObject({ id: '10001234567', kind: 'prescriber', name: 'Dr Claire Roussel', profession: 'médecin', specialty: 'médecine générale', status: 'active' });
    expect(entry.keys.map((k) => k.kid).sort()).toEqual([ed.kid, ec.kid].sort());
    expect(entry.keys[0]).toMatchObject({ status: 'active', revokedAt: null, addedAt: new Date(h.clock.now).toISOString() });
  });

  it('refuses without the admin token, or with a wrong one', async () => {
    const body = JSON.stringify({ id: 'x1', kind: 'pharmacy', name: 'P', keys: [(await generateKey()).publicJwk] });
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${h.adminToken}x` }] as Record<string, string>[]) {
      const res = await h.send('POST', '/v1/admin/actors', { body, headers });
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe('unauthenticated');
    }
    expect((await h.send('GET', '/v1/directory/x1')).status).toBe(404);
  });

  it('refuses a private JWK, a symmetric key, an unknown curve, and a point off the curve', async () => {
    const k = await generateKey('Ed25519');
    const priv = await exportJWK(k.privateKey);
    const cases = [
      priv,
      { kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0' },
      { kty: 'EC', crv: 'P-384', x: 'a', y: 'b' },
      { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) },
      { kty: 'RSA', n: 'abc', e: 'AQAB' },
    ];
    for (const jwk of cases) {
      const res = await h.admin('POST', '/v1/admin/actors', { id: 'bad-key', kind: 'prescriber', name: 'X', keys: [jwk] });
      expect(res.status).toBe(400);
      expect((await res.json()).code).toBe('bad_request');
    }
    expect((await h.send('GET', '/v1/directory/bad-key')).status).toBe(404);
  });

  it('refuses a duplicate actor id (409) and bad fields (400)', async () => {
    const key = await generateKey();
    expect((await h.admin('POST', '/v1/admin/actors', { id: 'dup', kind: 'pharmacy', name: 'A', keys: [key.publicJwk] })).status).toBe(201);
    const again = await h.admin('POST', '/v1/admin/actors', { id: 'dup', kind: 'pharmacy', name: 'B', keys: [(await generateKey()).publicJwk] });
    expect(again.status).toBe(409);
    const bad = await h.admin('POST', '/v1/admin/actors', { id: 'has space', kind: 'nurse', name: '', keys: [] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors.length).toBeGreaterThanOrEqual(3);
  });

  it('adds and revokes keys; a revoked key stays listed with revokedAt; revocation is idempotent', async () => {
    const a = await h.addActor('pharmacy');
    const k2 = await generateKey('P-256');
    const add = await h.admin('POST', `/v1/admin/actors/${a.id}/keys`, { jwk: k2.publicJwk });
    expect(add.status).toBe(201);
    expect(await add.json()).toEqual({ kid: k2.kid });
    expect((await h.admin('POST', `/v1/admin/actors/${a.id}/keys`, { jwk: k2.publicJwk })).status).toBe(409);
    const revokedAt = new Date(h.clock.now).toISOString();
    const r1 = await h.admin('POST', `/v1/admin/actors/${a.id}/keys/${a.key.kid}/revoke`);
    expect(await r1.json()).toMatchObject({ kid: a.key.kid, status: 'revoked', revokedAt });
    h.advance(1000);
    const r2 = await h.admin('POST', `/v1/admin/actors/${a.id}/keys/${a.key.kid}/revoke`);
    expect(await r2.json()).toMatchObject({ revokedAt });
    const entry = (await (await h.send('GET', `/v1/directory/${a.id}`)).json()) as V1DirectoryEntry;
    expect(entry.keys).toHaveLength(2);
    expect((await h.admin('POST', `/v1/admin/actors/${a.id}/keys/${'A'.repeat(43)}/revoke`)).status).toBe(404);
    expect((await h.admin('POST', `/v1/admin/actors/nobody/keys`, { jwk: (await generateKey()).publicJwk })).status).toBe(404);
  });

  it('suspends and reinstates', async () => {
    const a = await h.addActor('prescriber');
    const s = await h.admin('POST', `/v1/admin/actors/${a.id}/suspend`);
    expect((await s.json()).status).toBe('suspended');
    const list = await h.call(a, 'GET', '/v1/prescriptions');
    expect(list.status).toBe(403);
    const r = await h.admin('POST', `/v1/admin/actors/${a.id}/reinstate`);
    expect((await r.json()).status).toBe('active');
    expect((await h.call(a, 'GET', '/v1/prescriptions')).status).toBe(200);
    expect((await h.admin('POST', '/v1/admin/actors/nobody/suspend')).status).toBe(404);
  });
});

describe('public', () => {
  it("serves Ordo's JWKS, health, the OpenAPI document and the docs page", async () => {
    const jwks = (await (await h.send('GET', '/.well-known/jwks.json')).json()) as V1Jwks;
    expect(jwks.keys[0]).toMatchObject({ kid: h.deps.keys.signer.kid, use: 'sig' });
    expect(jwks.keys[0]!.d).toBeUndefined();
    expect(await (await h.send('GET', '/healthz')).json()).toEqual({ status: 'ok', database: 'ok' });
    const doc = (await (await h.send('GET', '/openapi.json')).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/v1/prescriptions', '/v1/prescriptions/{id}', '/v1/prescriptions/{id}/code', '/v1/lookup', '/v1/datamatrix', '/v1/directory/{actorId}', '/v1/admin/actors']) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const page = await h.send('GET', '/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/docs/init.js');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await (await h.send('GET', '/docs/init.js')).text()).toContain('/openapi.json');
  });

  it('answers unknown routes with a problem', async () => {
    const res = await h.send('GET', '/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});
