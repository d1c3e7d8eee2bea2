/**
 * A database written by the previous version (test/fixtures/v0/ordo.sql, its SQL dump, made by
 * commit 366f773 with published test keys: see test/fixtures/make-v0.mjs) opens, answers and verifies today: its
 * codes open, its traces verify with today's verifier, its plain cancel reason reads, new steps
 * go on from where it stood, and the sweep seals the per-item terms it holds in clear.
 */
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type TraceBundle } from '../../src/client/bundle.js';
import type { SigningKey } from '../../src/client/sign.js';
import type { V1Lookup } from '../../src/contract/index.js';
import type { KeyAlg } from '../../src/crypto/keys.js';
import { sweep } from '../../src/service/sweep.js';
import { makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';
import { claim, dispense } from '../support/redeem.js';

const fixtures = join(import.meta.dirname, '../fixtures/v0');
type FixtureRx = { label: string; id: string; code: string; status: string; remaining: unknown; trace: TraceBundle; steps: { step: string; body?: { reason?: string } }[] };
type FixtureActor = { id: string; kind: 'prescriber' | 'pharmacy'; kid: string; alg: KeyAlg; publicJwk: JWK; privateJwk: JWK };
const scenario = JSON.parse(readFileSync(join(fixtures, 'scenario.json'), 'utf8')) as {
  generatedAt: string;
  ordo: { env: Record<string, string>; tokenKeyId: string; receiptKey: { kid: string } };
  actors: FixtureActor[];
  prescriptions: FixtureRx[];
};
const env = scenario.ordo.env;
/** What the harness's dispensing records must say: the old version's issuer. */
const aud = { aud: env.ORDO_ISSUER };
const rx = (label: string) => scenario.prescriptions.find((p) => p.label === label)!;

async function actor(id: string): Promise<TestActor> {
  const a = scenario.actors.find((x) => x.id === id)!;
  const key: SigningKey = { kid: a.kid, alg: a.alg, privateKey: (await importJWK(a.privateJwk, a.alg)) as CryptoKey, publicJwk: a.publicJwk };
  return { id: a.id, kind: a.kind, key };
}

/** The fixture as the database file the previous version wrote, rebuilt from its dump into `file`. */
function writeFixture(file: string) {
  const db = new Database(file);
  try {
    db.exec(readFileSync(join(fixtures, 'ordo.sql'), 'utf8'));
  } finally {
    db.close();
  }
}
const built = mkdtempSync(join(tmpdir(), 'ordo-v0-db-'));
writeFixture(join(built, 'ordo.db'));
afterAll(() => rmSync(built, { recursive: true, force: true }));

let h: Harness;
beforeAll(async () => {
  h = await makeHarness({
    fromDatabase: join(built, 'ordo.db'),
    keys: { tokenKey: env.ORDO_TOKEN_KEY!, signingKey: JSON.parse(env.ORDO_SIGNING_KEY!) as JWK, adminToken: env.ORDO_ADMIN_TOKEN! },
    issuer: env.ORDO_ISSUER,
    env: { ORDO_TZ: env.ORDO_TZ!, ORDO_CLAIM_MAX_TTL: env.ORDO_CLAIM_MAX_TTL! },
    // An hour after the old version wrote it: C's claim and every validity are still running.
    now: Date.parse(scenario.generatedAt) + 3_600_000,
  });
});
afterAll(() => h.close());

const lookup = async (code: string) => {
  const res = await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code }) });
  return { status: res.status, body: (await res.json()) as V1Lookup };
};

describe('a database written by the previous version', () => {
  it("verifies the old version's trace bundles with today's verifier", async () => {
    for (const p of scenario.prescriptions) expect(await verifyBundle(p.trace), p.label).toMatchObject({ ok: true });
  });

  it('feeds every event it held to its prescriber, and to each pharmacy that claimed from its first claim on (migration 0005)', async () => {
    const idOf = (actor: string) => (JSON.parse(actor) as { id: string }).id;
    let pharmacies = 0;
    for (const p of scenario.prescriptions) {
      const events = await h.deps.store.getEvents(p.id);
      const ofThis = async (reader: string) => (await h.deps.store.feed.page(reader, 0, 500)).filter((r) => r.prescriptionId === p.id);
      const prescriberFeed = await ofThis(idOf(events[0]!.actor));
      expect(prescriberFeed.map((r) => [r.idx, r.type, r.hash, r.prevHash]), p.label).toEqual(events.map((e) => [e.idx, e.type, e.hash, e.prevHash]));
      const firstClaims = new Map<string, number>();
      for (const e of events) if (e.type === 'claimed' && !firstClaims.has(idOf(e.actor))) firstClaims.set(idOf(e.actor), e.idx);
      for (const [pharmacy, since] of firstClaims) {
        pharmacies++;
        expect((await ofThis(pharmacy)).map((r) => r.idx), `${p.label} ${pharmacy}`).toEqual(events.filter((e) => e.idx >= since).map((e) => e.idx));
      }
    }
    expect(pharmacies).toBeGreaterThan(0);
  });

  it('opens every code it holds, with the state it was left in, and reads the plain cancel reason', async () => {
    for (const p of scenario.prescriptions) {
      const r = await lookup(p.code);
      expect([r.status, r.body.status], p.label).toEqual([200, p.status]);
      // The fixture's answers predate dispensableNow and dueAt: the members it has are unchanged.
      const old = (r.body.remaining as { dispensableNow?: number; dueAt?: string | null }[]).map(({ dispensableNow: _n, dueAt: _d, ...rest }) => rest);
      expect(old, p.label).toEqual(p.remaining);
    }
    const reason = rx('B').steps.find((s) => s.step === 'cancelled')!.body!.reason;
    expect((await lookup(rx('B').code)).body.cancelReason).toBe(reason);
  });

  it('packs its rows (as the sweep does): every value reads back as the old version wrote it, the traces verify, the file holds less', async () => {
    const unpacked = () => (h.db.prepare("select count(*) n from events where typeof(hash) = 'text'").get() as { n: number }).n;
    const bytes = () => (h.db.prepare('select total(length(proof)) + total(length(receipt)) + total(length(receipt_sig)) + total(length(hash)) + total(length(prev_hash)) + total(length(proof_hash)) n from events').get() as { n: number }).n;
    const ids = scenario.prescriptions.map((p) => p.id);
    const before = await Promise.all(ids.map((id) => h.deps.store.getEvents(id)));
    const dispensations = h.db.prepare('select pharmacy_id pharmacyId, jti from dispensations').all() as { pharmacyId: string; jti: string }[];
    const answers = await Promise.all(dispensations.map((d) => h.deps.store.getDispensation(d.pharmacyId, d.jti)));
    expect(unpacked()).toBeGreaterThan(0);
    const size = bytes();
    expect(await h.deps.store.packOldRows(500)).toBe(ids.length);
    expect(unpacked()).toBe(0);
    expect(bytes()).toBeLessThan(size / 2);
    expect(await Promise.all(ids.map((id) => h.deps.store.getEvents(id)))).toEqual(before);
    expect(await Promise.all(dispensations.map((d) => h.deps.store.getDispensation(d.pharmacyId, d.jti)))).toEqual(answers);
    // The receipts the old version answered are the ones rebuilt now.
    for (const p of scenario.prescriptions) {
      const events = await h.deps.store.getEvents(p.id);
      expect(events.map((e) => e.receipt), p.label).toEqual(p.trace.events.map((e) => e.receipt));
      const r = await lookup(p.code);
      expect(r.status, p.label).toBe(200);
    }
    expect(await h.deps.store.packOldRows(500)).toBe(0);
  });

  it('seals the terms it holds in clear at the next sweep, and they decide as before', async () => {
    const clear = () => (h.db.prepare("select count(*) n from prescriptions where terms like '[%'").get() as { n: number }).n;
    expect(clear()).toBe(scenario.prescriptions.length);
    expect((await sweep(h.deps)).termsSealed).toBe(scenario.prescriptions.length);
    expect(clear()).toBe(0);
    expect((await sweep(h.deps)).termsSealed).toBe(0);
    const raw = (h.db.prepare('select group_concat(terms) t from prescriptions').get() as { t: string }).t;
    for (const word of ['supplyDays', 'substitutable', 'quantity']) expect(raw).not.toContain(word);

    // A: item 0 is paced (2 a month, 2 already given today), item 1 is not substitutable.
    const ph = await actor('ph-1');
    const c = await claim(h, ph, rx('A').code);
    expect(c.status).toBe(201);
    const early = await dispense(h, ph, rx('A').id, c.body.claim.id, [{ item: 0, quantity: 2 }], aud);
    expect([early.status, early.body.code]).toEqual([422, 'not_yet_due']);
    const swap = await dispense(h, ph, rx('A').id, c.body.claim.id, [{ item: 1, quantity: 1, substitution: { type: 'generic' } }], aud);
    expect([swap.status, swap.body.code]).toEqual([422, 'substitution_forbidden']);
    const ok = await dispense(h, ph, rx('A').id, c.body.claim.id, [{ item: 1, quantity: 1 }], aud);
    // Item 0 has 4 left but none due yet (paced); item 1 is done.
    expect([ok.status, ok.body.remaining]).toEqual([201, [{ item: 0, total: 6, dispensed: 2, remaining: 4, dispensableNow: 0, dueAt: expect.any(String) }, { item: 1, total: 2, dispensed: 2, remaining: 0, dispensableNow: 0, dueAt: null }]]);
  });

  it("goes on from where the old version left: C's claim holds, B stays cancelled, D's old code is gone", async () => {
    const ph = await actor('ph-1');
    const held = await claim(h, ph, rx('C').code);
    expect([held.status, held.body.claim.id]).toEqual([200, (scenario.prescriptions.find((p) => p.label === 'C') as unknown as { claim: { id: string } }).claim.id]);
    const cancelled = await claim(h, ph, rx('B').code);
    expect([cancelled.status, cancelled.body.code]).toEqual([410, 'cancelled']);
    expect((await lookup(rx('D').code)).status).toBe(200);
  });
});

describe('npm start on a database written by the previous version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-v0-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts (records its keys), answers its codes, and stops cleanly', async () => {
    mkdirSync(join(dir, 'data'), { mode: 0o700 });
    writeFixture(join(dir, 'data/ordo.db'));
    const port = await freePort();
    const { child, stderr } = await startOrdoProcess({
      PORT: String(port), ORDO_WORKERS: '1', ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets'),
      ORDO_ISSUER: env.ORDO_ISSUER!, ORDO_TZ: env.ORDO_TZ!, ORDO_TOKEN_KEY: env.ORDO_TOKEN_KEY!, ORDO_SIGNING_KEY: env.ORDO_SIGNING_KEY!, ORDO_ADMIN_TOKEN: env.ORDO_ADMIN_TOKEN!,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: rx('A').code }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as V1Lookup).prescription.id).toBe(rx('A').id);
      expect(stderr()).not.toMatch(/^Error/m);
    } finally {
      await killGroup(child, 'SIGTERM');
    }
    expect(child.exitCode).toBe(0);
    const db = new Database(join(dir, 'data/ordo.db'), { readonly: true });
    try {
      // The keys its rows name are recorded now, so a later start with other keys is refused.
      expect(db.prepare('select kind, id from ordo_keys order by kind').all()).toEqual([
        { kind: 'signing', id: scenario.ordo.receiptKey.kid },
        { kind: 'token', id: scenario.ordo.tokenKeyId },
      ]);
    } finally {
      db.close();
    }
  });
});
