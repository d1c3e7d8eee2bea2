/**
 * The pharmacy's held prescriptions (GET /v1/claims), extending a claim without the code
 * (POST /v1/claims/{claimId}/extend), and `claimed_elsewhere` naming the holder — through the
 * app, on SQLite and on PostgreSQL, with real keys; the traces extend writes verify offline, and
 * a forged opening of a claim with extend's `htu` does not.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { OrdoProblemError } from '../../src/client/errors.js';
import { signRequestToken } from '../../src/client/sign.js';
import type { V1Extended, V1HeldClaims, V1Lookup } from '../../src/contract/index.js';
import { commitTransition } from '../../src/service/commit.js';
import { sweep } from '../../src/service/sweep.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { openPostgres } from '../../src/store/pg/open.js';
import { freshDatabase } from '../support/postgres.js';
import { ISSUER, issue, makeHarness, type Harness, type HarnessOptions, type TestActor } from '../support/harness.js';
import { cancel, claim, dispense, release, type Reply } from '../support/redeem.js';
import { lookupByCode, verifyByCode, verifyLookup } from '../support/trace.js';

const DAY = 86_400_000;
const MAX_TTL = 259_200;

const reply = async <T>(res: Response): Promise<Reply<T>> => ({ status: res.status, body: (await res.json()) as Reply<T>['body'] });
const held = async (h: Harness, p: TestActor, query = '') => reply<V1HeldClaims>(await h.call(p, 'GET', `/v1/claims${query}`));
const extend = async (h: Harness, p: TestActor, rxId: string, claimId: string, body: unknown) =>
  reply<V1Extended>(await h.call(p, 'POST', `/v1/claims/${claimId}/extend`, { body, sub: rxId }));
const eventCount = async (h: Harness, rxId: string) => (await h.row<{ n: number }>('select count(*) n from events where prescription_id = ?', rxId))!.n;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each<[string, HarnessOptions]>([
  ['SQLite', {}],
  ['PostgreSQL', { postgres: true }],
])('on %s', (_name, opts) => {
  let h: Harness;
  let doctor: TestActor;
  let lilas: TestActor;
  let marche: TestActor;
  beforeAll(async () => {
    h = await makeHarness(opts);
    doctor = await h.addActor('prescriber');
    lilas = await h.addActor('pharmacy', { name: 'Pharmacie des Lilas' });
    marche = await h.addActor('pharmacy', { name: 'Pharmacie du Marché' });
  });
  afterAll(() => h.close());

  it('lists only the caller’s open claims, soonest expiry first, with when each opened; pages by cursor', async () => {
    const t0 = h.clock.now;
    const onOrder = await issue(h, doctor);
    const atCounter = await issue(h, doctor);
    const elsewhere = await issue(h, doctor);
    const released = await issue(h, doctor);
    const a = await claim(h, lilas, onOrder.code, MAX_TTL);
    h.advance(1000);
    const b = await claim(h, lilas, atCounter.code);
    expect((await claim(h, marche, elsewhere.code)).status).toBe(201);
    const r = await claim(h, lilas, released.code);
    expect((await release(h, lilas, released.id, r.body.claim.id)).status).toBe(200);

    const page = await held(h, lilas);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({
      items: [
        { claim: b.body.claim, prescriptionId: atCounter.id, claimedAt: iso(t0 + 1000), validUntil: atCounter.validUntil, lapsed: false },
        { claim: a.body.claim, prescriptionId: onOrder.id, claimedAt: iso(t0), validUntil: onOrder.validUntil, lapsed: false },
      ],
      nextCursor: null,
    });
    // No content and no code: the server cannot show the patient without the code.
    const text = JSON.stringify(page.body);
    for (const secret of ['Martin', 'Paracétamol', onOrder.code, onOrder.code.replaceAll('-', '').slice(16)]) expect(text).not.toContain(secret);
    expect((await held(h, marche)).body.items.map((i) => i.prescriptionId)).toEqual([elsewhere.id]);

    const first = await held(h, lilas, '?limit=1');
    expect(first.body.items.map((i) => i.prescriptionId)).toEqual([atCounter.id]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await held(h, lilas, `?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: [page.body.items[1]], nextCursor: null });

    for (const q of ['?cursor=garbage', '?cursor=WzEsMl0', '?limit=0', '?limit=101', '?limit=x', '?state=active']) {
      const bad = await held(h, lilas, q);
      expect([q, bad.status, bad.body.code]).toEqual([q, 400, 'bad_request']);
    }
    // Tidy up for the tests below: nothing held any more.
    for (const [p, rx, c] of [[lilas, onOrder, a], [lilas, atCounter, b]] as const) await release(h, p, rx.id, c.body.claim.id);
    await sweep(h.deps);
  });

  it('a claim renewed keeps its first claimedAt; a lapsed one is marked, and leaves the list once another pharmacy takes it', async () => {
    const rx = await issue(h, doctor);
    const t0 = h.clock.now;
    const a = await claim(h, lilas, rx.code);
    h.advance(400_000); // less than half left: the next claim renews
    const renewed = await claim(h, lilas, rx.code);
    expect(renewed.body.claim.expiresAt).toBe(iso(h.clock.now + 600_000));
    expect((await held(h, lilas)).body.items).toEqual([{ claim: renewed.body.claim, prescriptionId: rx.id, claimedAt: iso(t0), validUntil: rx.validUntil, lapsed: false }]);

    h.clock.now = Date.parse(renewed.body.claim.expiresAt);
    expect((await held(h, lilas)).body.items).toEqual([{ claim: renewed.body.claim, prescriptionId: rx.id, claimedAt: iso(t0), validUntil: rx.validUntil, lapsed: true }]);
    expect((await claim(h, marche, rx.code)).status).toBe(201);
    expect((await held(h, lilas)).body.items).toEqual([]);
    expect(a.body.claim.id).toBe(renewed.body.claim.id);
    await sweep(h.deps);
  });

  it('a held prescription past its validity is recorded expired on access and not listed', async () => {
    const today = new Date(h.clock.now).toISOString().slice(0, 10);
    const rx = await issue(h, doctor, { validUntil: today });
    const c = await claim(h, lilas, rx.code, MAX_TTL);
    expect((await held(h, lilas)).body.items.map((i) => i.prescriptionId)).toEqual([rx.id]);
    h.advance(DAY);
    const before = await eventCount(h, rx.id);
    expect((await held(h, lilas)).body).toEqual({ items: [], nextCursor: null });
    expect(await eventCount(h, rx.id)).toBe(before + 1);
    const look = (await lookupByCode(h, rx.code)).body;
    expect([look.status, look.events.at(-1)!.type, look.events.at(-1)!.claim]).toEqual(['expired', 'expired', c.body.claim.id]);
  });

  it('extends without the code: renewed at once by a meaningful step, otherwise nothing changes; the trace verifies', async () => {
    const rx = await issue(h, doctor);
    const c = await claim(h, lilas, rx.code);
    h.advance(10_000);
    const ext = await extend(h, lilas, rx.id, c.body.claim.id, { ttl: MAX_TTL });
    expect(ext.status).toBe(200);
    expect(ext.body.claim).toEqual({ id: c.body.claim.id, expiresAt: iso(h.clock.now + MAX_TTL * 1000) });
    expect(ext.body.status).toBe('claimed');
    expect(decodeJwt(ext.body.receipt)).toMatchObject({ sub: rx.id, evt: { index: 2, type: 'claimed', claim: c.body.claim.id, claimedUntil: ext.body.claim.expiresAt } });
    expect((await held(h, lilas)).body.items).toEqual([expect.objectContaining({ claim: ext.body.claim, prescriptionId: rx.id })]);

    // Less than ORDO_CLAIM_TTL more, or a shorter hold: 200, the same claim and receipt, nothing recorded.
    const events = await eventCount(h, rx.id);
    h.advance(60_000);
    for (const ttl of [MAX_TTL, 600]) expect(await extend(h, lilas, rx.id, c.body.claim.id, { ttl })).toEqual(ext);
    expect(await eventCount(h, rx.id)).toBe(events);

    const look = (await lookupByCode(h, rx.code)).body;
    expect(decodeJwt(look.events[2]!.proof!)).toMatchObject({ htu: `/v1/claims/${c.body.claim.id}/extend`, sub: rx.id });
    expect(await verifyLookup(h, look)).toEqual({ ok: true, events: 3 });
    // Still dispensed by claim id, the code never sent again.
    expect((await dispense(h, lilas, rx.id, c.body.claim.id, [{ item: 0, quantity: 2 }])).status).toBe(201);
    expect(await verifyByCode(h, rx.code)).toEqual({ ok: true, events: 4 });
  });

  it('extend is refused as release is, and a refusal writes nothing', async () => {
    const rx = await issue(h, doctor);
    const c = await claim(h, lilas, rx.code);
    const id = c.body.claim.id;
    const refused = async (actor: TestActor, claimId: string, body: unknown, status: number, code: string, rxId = rx.id) => {
      const before = await eventCount(h, rxId);
      const r = await extend(h, actor, rxId, claimId, body);
      expect([r.status, r.body.code]).toEqual([status, code]);
      expect(await eventCount(h, rxId)).toBe(before);
      return r;
    };
    await refused(lilas, id, { ttl: MAX_TTL + 1 }, 400, 'bad_request');
    for (const body of [{}, { ttl: 0 }, { ttl: 1.5 }, { ttl: '600' }, { ttl: 600, code: rx.code }]) await refused(lilas, id, body, 400, 'bad_request');
    await refused(lilas, 'NoSuchClaimAtAllXXXXXX', { ttl: 600 }, 404, 'not_found');
    await refused(marche, id, { ttl: 600 }, 403, 'forbidden');
    const wrongSub = await h.call(lilas, 'POST', `/v1/claims/${id}/extend`, { body: { ttl: 600 }, sub: '0000000000000000' });
    expect([wrongSub.status, ((await wrongSub.json()) as { code: string }).code]).toEqual([401, 'unauthenticated']);
    const prescriber = await h.call(doctor, 'POST', `/v1/claims/${id}/extend`, { body: { ttl: 600 }, sub: rx.id });
    expect([prescriber.status, ((await prescriber.json()) as { code: string }).code]).toEqual([403, 'forbidden']);
    expect((await h.send('POST', `/v1/claims/${id}/extend`, { body: '{"ttl":600}' })).status).toBe(401);

    // Ended by a release: 409, never a new claim.
    await release(h, lilas, rx.id, id);
    await refused(lilas, id, { ttl: MAX_TTL }, 409, 'claim_ended');
    // Lapsed and taken by another pharmacy: 409; a lapsed claim nobody took is still its holder's to extend.
    const c2 = await claim(h, lilas, rx.code);
    h.advance(600_000);
    const lapsedRenewal = await extend(h, lilas, rx.id, c2.body.claim.id, { ttl: 600 });
    expect([lapsedRenewal.status, lapsedRenewal.body.claim.expiresAt]).toEqual([200, iso(h.clock.now + 600_000)]);
    h.advance(600_000);
    expect((await claim(h, marche, rx.code)).status).toBe(201);
    await refused(lilas, c2.body.claim.id, { ttl: MAX_TTL }, 409, 'claim_ended');
    // Closed: 410 with its reason.
    await cancel(h, doctor, rx.id, 'Erreur de posologie');
    // The cancel ended Marché's claim: its list no longer has it.
    expect((await held(h, marche)).body.items.map((i) => i.prescriptionId)).not.toContain(rx.id);
    const rx2 = await issue(h, doctor);
    const c3 = await claim(h, lilas, rx2.code);
    await cancel(h, doctor, rx2.id, 'Erreur de posologie');
    const cancelled = await refused(lilas, c3.body.claim.id, { ttl: 600 }, 410, 'cancelled', rx2.id);
    expect(cancelled.body.reason).toBe('Erreur de posologie');
    expect(await verifyByCode(h, rx.code)).toMatchObject({ ok: true });
  });

  it('claimed_elsewhere names the holding pharmacy from the directory', async () => {
    const rx = await issue(h, doctor);
    const a = await claim(h, marche, rx.code, 7200);
    const b = await claim(h, lilas, rx.code);
    expect(b.status).toBe(409);
    expect(b.body).toMatchObject({ code: 'claimed_elsewhere', claimedUntil: a.body.claim.expiresAt, heldBy: { id: marche.id, name: 'Pharmacie du Marché' } });
    expect(b.body.detail).toContain('Pharmacie du Marché');
  });
});

describe('the verifier and extend’s htu', () => {
  let h: Harness;
  let doctor: TestActor;
  let pharmacy: TestActor;
  beforeAll(async () => {
    h = await makeHarness();
    doctor = await h.addActor('prescriber');
    pharmacy = await h.addActor('pharmacy');
  });
  afterAll(() => h.close());

  const actor = () => ({ id: pharmacy.id, kind: 'pharmacy' as const, kid: pharmacy.key.kid });
  const token = (path: string, sub: string, body: unknown) =>
    signRequestToken({ key: pharmacy.key, iss: pharmacy.id, aud: ISSUER, method: 'POST', path, sub, body: JSON.stringify(body), now: Math.floor(h.clock.now / 1000) });

  /** A claim opened by a misbehaving Ordo, its request token bound to `path(claim)`: real keys, real receipts. */
  async function openedWith(path: (claim: string) => string) {
    const rx = await issue(h, doctor);
    const claimId = `Forged${rx.id}`;
    const proof = await token(path(claimId), rx.id, { ttl: 600 });
    await commitTransition(h.deps, { from: (await h.store.getPrescription(rx.id))!, events: [{ type: 'claimed', actor: actor(), claim: claimId, proof, claimedUntil: h.clock.now + 600_000 }] });
    return verifyByCode(h, rx.code);
  }

  it('accepts a claim opened by code, refuses one opened with extend’s htu', async () => {
    expect(await openedWith(() => '/v1/claims')).toEqual({ ok: true, events: 2 });
    expect(await openedWith((c) => `/v1/claims/${c}/extend`)).toMatchObject({ ok: false, index: 1, check: 'binding' });
  });

  it('refuses a renewal whose extend htu names another claim', async () => {
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmacy, rx.code);
    const proof = await token('/v1/claims/SomeOtherClaimXXXXXXXX/extend', rx.id, { ttl: MAX_TTL });
    await commitTransition(h.deps, { from: (await h.store.getPrescription(rx.id))!, events: [{ type: 'claimed', actor: actor(), claim: c.body.claim.id, proof, claimedUntil: h.clock.now + MAX_TTL * 1000 }] });
    expect(await verifyByCode(h, rx.code)).toMatchObject({ ok: false, index: 2, check: 'binding' });
  });

  it('never answers 5xx to any extend body or held query; a refusal writes nothing', async () => {
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmacy, rx.code);
    const digest = () => createHash('sha256').update(JSON.stringify(['prescriptions', 'events', 'request_tokens'].map((t) => h.db.prepare(`select * from ${t} order by rowid`).all()))).digest('hex');
    const body = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 80 }), fc.record({ ttl: fc.oneof(fc.integer(), fc.double(), fc.string()) }).map((v) => JSON.stringify(v)));
    const query = fc.record({ limit: fc.string({ maxLength: 8 }), cursor: fc.string({ maxLength: 40 }) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(body, query, async (raw, q) => {
        for (const send of [
          () => h.call(pharmacy, 'POST', `/v1/claims/${c.body.claim.id}/extend`, { raw, sub: rx.id }),
          () => h.call(pharmacy, 'GET', `/v1/claims?${new URLSearchParams(q as Record<string, string>).toString()}`),
        ]) {
          const before = digest();
          const res = await send();
          expect(res.status).toBeLessThan(500);
          if (res.status < 400) continue;
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          expect(digest()).toBe(before);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('the SDK', () => {
  it('heldClaims and extend; a claimed_elsewhere problem carries heldBy', async () => {
    const h = await makeHarness();
    try {
      const client = new OrdoClient({ url: 'http://ordo.local', issuer: ISSUER, adminToken: h.adminToken, clockOffset: { ms: h.clock.now - Date.now() }, fetch: ((url: string, init: RequestInit) => h.app.request(url, init)) as typeof fetch });
      const doctor = await h.addActor('prescriber');
      const [lilas, other] = [await h.addActor('pharmacy'), await h.addActor('pharmacy', { name: 'Pharmacie du Marché' })];
      const rx = await issue(h, doctor);
      const me = client.as({ id: lilas.id, key: lilas.key });
      const c = await me.claim(rx.code);
      const ext = await me.extend(c.claim.id, rx.id, MAX_TTL);
      expect(ext.claim).toEqual({ id: c.claim.id, expiresAt: iso(h.clock.now + MAX_TTL * 1000) });
      expect(await me.heldClaims()).toEqual({ items: [{ claim: ext.claim, prescriptionId: rx.id, claimedAt: iso(h.clock.now), validUntil: rx.validUntil, lapsed: false }], nextCursor: null });
      expect((await me.heldClaims({ limit: 1 })).items).toHaveLength(1);
      const err = await client.as({ id: other.id, key: other.key }).claim(rx.code).catch((e: unknown) => e);
      expect((err as OrdoProblemError).problem).toMatchObject({ status: 409, code: 'claimed_elsewhere', claimedUntil: ext.claim.expiresAt, heldBy: { id: lilas.id, name: 'Pharmacie des Lilas' } });
    } finally {
      await h.close();
    }
  });
});

describe('the migration that adds prescriptions_held', () => {
  it('applies to a PostgreSQL database migrated by the previous version, whose held rows it then lists', async () => {
    const db = await freshDatabase();
    const folder = join(import.meta.dirname, '../../drizzle/pg');
    const before = mkdtempSync(join(tmpdir(), 'ordo-pg-0003-'));
    try {
      // The migrations as the previous version shipped them: up to 0003.
      cpSync(folder, before, { recursive: true });
      const journal = JSON.parse(readFileSync(join(before, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
      journal.entries = journal.entries.filter((e) => e.tag < '0004');
      writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify(journal));
      rmSync(join(before, '0004_held_claims.sql'));
      const old = await openPostgres(db.url, { migrationsFolder: before, packer: nodeSuite, poolSize: 2 });
      const hash = 'A'.repeat(43);
      const row = {
        id: '0123456789ABCDEF', prescriberId: '10001234567', docJti: 'rx-old', docMac: hash, status: 'claimed' as const, version: 1, headHash: hash, codeVersion: 1,
        tokenKeyId: 'k', issuedAt: iso(Date.UTC(2026, 10, 1)), validUntil: '2027-01-31', expiresAt: Date.UTC(2027, 1, 1), itemCount: 1, terms: '[]', progress: '[]',
        claimId: 'OldClaimXXXXXXXXXXXXXX', claimPharmacy: '750000001', claimExpiresAt: Date.UTC(2026, 10, 4), claimTtl: MAX_TTL, cancelReason: null, updatedAt: iso(Date.UTC(2026, 10, 1)),
      };
      await old.commit({ prescription: { insert: row }, events: [] });
      await old.close();

      const store = await openPostgres(db.url, { migrationsFolder: folder, packer: nodeSuite, poolSize: 2 });
      try {
        const pool = new pg.Pool({ connectionString: db.url, max: 1 });
        const indexes = (await pool.query("SELECT indexname FROM pg_indexes WHERE tablename = 'prescriptions'")).rows.map((r: { indexname: string }) => r.indexname);
        await pool.end();
        expect(indexes).toContain('prescriptions_held');
        expect((await store.listHeld({ pharmacyId: '750000001', limit: 10 })).map((r) => r.row.id)).toEqual([row.id]);
        expect(await store.listHeld({ pharmacyId: '750000001', after: { claimExpiresAt: row.claimExpiresAt, id: row.id }, limit: 10 })).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(before, { recursive: true, force: true });
      await db.drop();
    }
  });
});
