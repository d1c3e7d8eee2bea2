/**
 * The contract, written once and run on both runtimes: on Node over better-sqlite3
 * (test/runtimes/contract-node.test.ts) and inside workerd over D1 (test/workers/contract.test.ts).
 * Only the HTTP surface is used, through the SDK and raw requests.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTrace, verifyBundle, verifyEvidence } from '../../src/client/bundle.js';
import { OrdoClient } from '../../src/client/client.js';
import { OrdoProblemError } from '../../src/client/errors.js';
import { generateKey, signRequestToken } from '../../src/client/sign.js';

export type Target = { ordo: OrdoClient; rawFetch: (path: string, init?: RequestInit) => Promise<Response> };

export function contractSuite(name: string, setup: () => Promise<Target>) {
describe(name, () => {
  let ordo: OrdoClient;
  let rawFetch: (path: string, init?: RequestInit) => Promise<Response>;
  beforeAll(async () => {
    ({ ordo, rawFetch } = await setup());
  });

  it('serves health, the JWKS and the OpenAPI document', async () => {
    expect(await (await rawFetch('/healthz')).json()).toEqual({ status: 'ok', database: 'ok' });
    expect(((await ordo.jwks()).keys[0] as { kid: string }).kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await rawFetch('/openapi.json')).status).toBe(200);
    const bundle = await rawFetch('/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it('serves the three pages and their built files itself', async () => {
    for (const page of ['prescribe', 'counter', 'patient']) {
      const res = await rawFetch(`/${page}`, { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<html lang="en">');
      const script = await rawFetch(`/app/${page}.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toContain('javascript');
      expect((await script.text()).length).toBeGreaterThan(10_000);
    }
    const css = await rawFetch('/app/style.css');
    expect([css.status, css.headers.get('content-type')?.split(';')[0]]).toEqual([200, 'text/css']);
    expect((await rawFetch('/app/nothing.js')).status).toBe(404);
  });

  it('runs the whole story and the trace verifies', async () => {
    const doctor = { id: 'w-md', key: await generateKey() };
    const a = { id: 'w-ph-a', key: await generateKey('P-256') };
    const b = { id: 'w-ph-b', key: await generateKey() };
    await ordo.addActor({ id: doctor.id, kind: 'prescriber', name: 'Dr Workers', keys: [doctor.key.publicJwk] });
    await ordo.addActor({ id: a.id, kind: 'pharmacy', name: 'Pharmacie A', keys: [a.key.publicJwk] });
    await ordo.addActor({ id: b.id, kind: 'pharmacy', name: 'Pharmacie B', keys: [b.key.publicJwk] });
    const rx = await ordo.as(doctor).prescribe({
      patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
      renewals: 1,
      items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3', quantity: 2, unit: 'boîte' }],
    }, { datamatrix: 'png' });
    expect(rx.datamatrix).toHaveProperty('png');
    const ca = await ordo.as(a).claim(rx.payload);
    const elsewhere = await ordo.as(b).claim(rx.code).catch((err: OrdoProblemError) => err);
    expect((elsewhere as OrdoProblemError).problem).toMatchObject({ code: 'claimed_elsewhere', claimedUntil: ca.claim.expiresAt });
    await ordo.as(a).dispense(ca.claim.id, rx.id, [{ item: 0, quantity: 2 }]);
    const cb = await ordo.as(b).claim(rx.code);
    const done = await ordo.as(b).dispense(cb.claim.id, rx.id, [{ item: 0, quantity: 2 }]);
    expect(done.status).toBe('completed');
    const bundle = await exportTrace(ordo, rx.code);
    expect(await verifyBundle(bundle, [rx.receipt, ca.receipt, done.receipt])).toEqual({ ok: true, events: 5 });
    const again = await ordo.as(a).claim(rx.code).catch((err: OrdoProblemError) => err);
    expect((again as OrdoProblemError).problem.code).toBe('already_completed');

    // Within moments the log has every step of it, and the bundle proves each one offline.
    const logKey = await ordo.logKey();
    let logged = bundle;
    for (let i = 0; i < 100 && (logged.log?.proofs.length ?? 0) < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      logged = await exportTrace(ordo, rx.code);
    }
    expect(await verifyEvidence(logged, [], { key: logKey })).toMatchObject({ ok: true, events: 5, log: { ok: true, included: 5, pending: 0 } });
  });

  it('races: exactly one of many concurrent claims wins; of concurrent dispenses on one claim, one', async () => {
    const doctor = { id: 'w-md-2', key: await generateKey() };
    const ph = await Promise.all([0, 1, 2].map(async (i) => ({ id: `w-race-${i}`, key: await generateKey() })));
    await ordo.addActor({ id: doctor.id, kind: 'prescriber', name: 'Dr Race', keys: [doctor.key.publicJwk] });
    for (const p of ph) await ordo.addActor({ id: p.id, kind: 'pharmacy', name: p.id, keys: [p.key.publicJwk] });
    const rx = await ordo.as(doctor).prescribe({
      patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
      items: [{ code: { system: 'text', value: 'Bas de contention' }, label: 'Bas de contention', dosage: 'le jour', quantity: 4, unit: 'paire' }],
    });
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => ordo.as(ph[i % 3]!).claim(rx.code).then((r) => ({ ok: r, who: i % 3 }), (err: OrdoProblemError) => ({ err, who: i % 3 }))));
    const winners = new Set(results.filter((r) => 'ok' in r).map((r) => r.who));
    expect(winners.size).toBe(1);
    for (const r of results) if ('err' in r) expect(r.err.problem.code).toBe('claimed_elsewhere');
    const w = ph[[...winners][0]!]!;
    const c = await ordo.as(w).claim(rx.code);
    const d = await Promise.all(Array.from({ length: 6 }, () => ordo.as(w).dispense(c.claim.id, rx.id, [{ item: 0, quantity: 1 }]).then(() => 'ok', (err: OrdoProblemError) => err.problem.code)));
    expect(d.filter((x) => x === 'ok')).toHaveLength(1);
    expect(d.filter((x) => x !== 'ok').every((x) => x === 'claim_ended')).toBe(true);
    expect((await ordo.lookup(rx.code)).remaining[0]!.dispensed).toBe(1);
  });

  it('refuses a replayed token and limits failed codes, both kept in the database', async () => {
    const md = { id: 'w-md-3', key: await generateKey() };
    await ordo.addActor({ id: md.id, kind: 'prescriber', name: 'Dr Replay', keys: [md.key.publicJwk] });
    const token = await signRequestToken({ key: md.key, iss: md.id, aud: 'https://ordo.test', method: 'GET', path: '/v1/prescriptions' });
    const list = () => rawFetch('/v1/prescriptions', { headers: { authorization: `Bearer ${token}` } });
    expect((await list()).status).toBe(200);
    const replay = await list();
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { code: string }).code).toBe('replayed_token');

    const wrong = (ip: string) => rawFetch('/v1/lookup', { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip }, body: JSON.stringify({ code: 'ORDO1:' + '0'.repeat(40) }) });
    for (let i = 0; i < 20; i++) expect((await wrong('203.0.113.7')).status).toBe(404);
    const blocked = await wrong('203.0.113.7');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await wrong('203.0.113.8')).status).toBe(404);
  });

  it('of 30 wrong codes sent at once from one address, exactly 20 are judged and 10 refused', async () => {
    const wrong = () => rawFetch('/v1/lookup', { method: 'POST', headers: { 'content-type': 'application/json', 'cf-connecting-ip': '198.51.100.77' }, body: JSON.stringify({ code: 'ORDO1:' + '0'.repeat(40) }) });
    const statuses = (await Promise.all(Array.from({ length: 30 }, wrong))).map((r) => r.status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  });
});
}
