/**
 * "No 5xx for anything a client can send", as a property: arbitrary bodies (JSON values, raw
 * text, mutated valid documents), correctly signed so they reach the handlers, on every route.
 * Every answer is below 500, errors are problem+json with a code, and a refusal writes nothing.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDocument, signRequestToken } from '../../src/client/sign.js';
import { ISSUER, issue, makeHarness, rxPayload, type Harness, type TestActor } from '../support/harness.js';
import { claim } from '../support/redeem.js';

let h: Harness;
let doctor: TestActor;
let pharmacy: TestActor;
let rx: Awaited<ReturnType<typeof issue>>;
let claimId: string;

beforeAll(async () => {
  h = await makeHarness();
  doctor = await h.addActor('prescriber');
  pharmacy = await h.addActor('pharmacy');
  rx = await issue(h, doctor);
  claimId = (await claim(h, pharmacy, rx.code)).body.claim.id;
});
afterAll(() => h.close());

/** fast-check runs per route and property: 1000 by default (about 12,500 cases in all), ORDO_FUZZ_RUNS for more. */
const RUNS = Number(process.env.ORDO_FUZZ_RUNS ?? 1000);

/**
 * The database's content, as a digest: every row of every table a request could change, except
 * the failed-code counter, which a wrong code is meant to move. A refusal must leave it identical.
 */
const TABLES = ['actors', 'actor_keys', 'prescriptions', 'events', 'request_tokens', 'dispensations'];
const counts = () => {
  const hash = createHash('sha256');
  for (const t of TABLES) hash.update(JSON.stringify(h.db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
  return hash.digest('hex');
};

type Target = { name: string; method: string; path: () => string; actor: () => TestActor | 'admin' | null; sub?: () => string };
const targets: Target[] = [
  { name: 'issue', method: 'POST', path: () => '/v1/prescriptions', actor: () => doctor },
  { name: 'code', method: 'POST', path: () => `/v1/prescriptions/${rx.id}/code`, actor: () => doctor, sub: () => rx.id },
  { name: 'cancel', method: 'POST', path: () => `/v1/prescriptions/${rx.id}/cancel`, actor: () => doctor, sub: () => rx.id },
  { name: 'claim', method: 'POST', path: () => '/v1/claims', actor: () => pharmacy, sub: () => rx.id },
  { name: 'dispense', method: 'POST', path: () => `/v1/claims/${claimId}/dispense`, actor: () => pharmacy, sub: () => rx.id },
  { name: 'release', method: 'POST', path: () => `/v1/claims/${claimId}/release`, actor: () => pharmacy, sub: () => rx.id },
  { name: 'correct', method: 'POST', path: () => `/v1/claims/${claimId}/correct`, actor: () => pharmacy, sub: () => rx.id },
  { name: 'extend', method: 'POST', path: () => `/v1/claims/${claimId}/extend`, actor: () => pharmacy, sub: () => rx.id },
  { name: 'lookup', method: 'POST', path: () => '/v1/lookup', actor: () => null },
  { name: 'datamatrix', method: 'POST', path: () => '/v1/datamatrix', actor: () => null },
  { name: 'add actor', method: 'POST', path: () => '/v1/admin/actors', actor: () => 'admin' },
  { name: 'add key', method: 'POST', path: () => `/v1/admin/actors/${doctor.id}/keys`, actor: () => 'admin' },
];

/** Bodies: any JSON, strings that look almost right, and valid documents with one field bent. */
const bodyArb = fc.oneof(
  fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.record({ code: fc.oneof(fc.string(), fc.constant(null).map(() => rx.code), fc.integer()), ttl: fc.oneof(fc.integer(), fc.double(), fc.string()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.record({ reason: fc.oneof(fc.string({ maxLength: 600 }), fc.integer()), salt: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url')), fc.string({ maxLength: 100 }), fc.integer()), rotate: fc.oneof(fc.boolean(), fc.string()), datamatrix: fc.oneof(fc.constantFrom('svg', 'png', 'gif'), fc.integer()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.tuple(fc.constantFrom('patient', 'items', 'iat', 'validUntil', 'renewals', 'controlled', 'replaces', 'jti'), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => ({ bend: k, value: v })),
);

async function send(t: Target, body: string | { bend: string; value: unknown }) {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    // A validly signed document with one member replaced by anything: reaches the deepest checks.
    const payload = { ...rxPayload(doctor.id, h.clock.now), [body.bend]: body.value };
    const record = t.name === 'dispense' || t.name === 'correct';
    const key = record ? 'dispensation' : t.name === 'issue' ? 'prescription' : 'code';
    const signer = record ? pharmacy : doctor;
    text = JSON.stringify({ [key]: await signDocument(signer.key, record ? 'ordo-dispense+jwt' : 'ordo-rx+jwt', payload) });
  }
  const actor = t.actor();
  if (actor === 'admin') return h.send(t.method, t.path(), { body: text, headers: { authorization: `Bearer ${h.adminToken}` } });
  if (actor === null) return h.send(t.method, t.path(), { body: text, headers: { 'x-test-client': `fuzz-${Math.random()}` } });
  return h.call(actor, t.method, t.path(), { raw: text, sub: t.sub?.() });
}

describe.each(targets)('$name', (t) => {
  it('never answers 5xx; every refusal is a problem and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(bodyArb, async (body) => {
        const before = counts();
        const res = await send(t, body);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          expect(typeof ((await res.json()) as { code: unknown }).code).toBe('string');
          expect(counts()).toEqual(before);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never answers 5xx to bent credentials and headers: truncated, re-encoded, retyped or inflated tokens', async () => {
    await fc.assert(
      fc.asyncProperty(tokenBendArb, contentTypeArb, async (bend, contentType) => {
        const before = counts();
        const actor = t.actor();
        const signer = actor === null || actor === 'admin' ? doctor : actor;
        const good = await signRequestToken({ key: signer.key, iss: signer.id, aud: ISSUER, method: t.method, path: t.path(), body: '{}', sub: t.sub?.(), now: Math.floor(h.clock.now / 1000) });
        const headers: Record<string, string> = { authorization: bend(good), 'x-test-client': `fuzz-${Math.random()}` };
        if (contentType !== null) headers['content-type'] = contentType;
        const res = await h.app.request(t.path(), { method: t.method, body: '{}', headers });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers.get('content-type')).toBe('application/problem+json');
          expect(counts()).toEqual(before);
        }
      }),
      { numRuns: Math.ceil(RUNS / 4) },
    );
  });
});

/** Ways to bend a valid `Bearer` token: every one must be refused as a client error, never crash. */
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const tokenBendArb: fc.Arbitrary<(good: string) => string> = fc.oneof(
  fc.nat({ max: 400 }).map((n) => (good: string) => `Bearer ${good.slice(0, n)}`),
  fc.constant((good: string) => `Bearer ${good.replace(/-/g, '+').replace(/_/g, '/')}==`),
  fc.constant((good: string) => `bearer   ${good}`),
  fc.constant((good: string) => good),
  fc.string({ maxLength: 300 }).map((junk) => () => `Bearer ${junk}`),
  fc.string({ unit: 'binary', maxLength: 60 }).map((u) => (good: string) => `Bearer ${good}${encodeURIComponent(u)}`),
  fc.tuple(fc.constantFrom('typ', 'alg', 'kid', 'crit', 'b64', 'zip', 'jku'), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => (good: string) => {
    const [hd, pl, sg] = good.split('.');
    return `Bearer ${b64({ ...JSON.parse(Buffer.from(hd!, 'base64url').toString()), [k]: v })}.${pl}.${sg}`;
  }),
  fc.tuple(fc.constantFrom('iat', 'exp', 'jti', 'htu', 'htm', 'sub', 'bdh', 'iss', 'aud'), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(1e308), fc.constant(-1), fc.constant('9'.repeat(400)), fc.string({ unit: 'grapheme', maxLength: 50 }))).map(
    ([k, v]) => (good: string) => {
      const [hd, pl, sg] = good.split('.');
      return `Bearer ${hd}.${b64({ ...JSON.parse(Buffer.from(pl!, 'base64url').toString()), [k]: v })}.${sg}`;
    },
  ),
  fc.nat({ max: 200 }).map((depth) => (good: string) => `Bearer ${good.split('.')[0]}.${b64(`${'['.repeat(depth)}1${']'.repeat(depth)}`)}.${good.split('.')[2]}`),
);
const contentTypeArb = fc.oneof(fc.constant('application/json'), fc.constant(null), fc.constantFrom('text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'), fc.string({ maxLength: 80 }));
