/**
 * "No 5xx for anything a client can send", as a property: arbitrary bodies (JSON values, raw
 * text, mutated valid documents), correctly signed so they reach the handlers, on every route.
 * Every answer is below 500, errors are problem+json with a code, and a refusal writes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDocument } from '../src/client/sign.js';
import { issue, makeHarness, rxPayload, type Harness, type TestActor } from './support/harness.js';
import { claim } from './support/redeem.js';

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

const counts = () => h.db.prepare('select (select count(*) from events) e, (select count(*) from prescriptions) p, (select count(*) from dispensations) d, (select count(*) from actors) a, (select count(*) from actor_keys) k').get();

type Target = { name: string; method: string; path: () => string; actor: () => TestActor | 'admin' | null; sub?: () => string };
const targets: Target[] = [
  { name: 'issue', method: 'POST', path: () => '/v1/prescriptions', actor: () => doctor },
  { name: 'code', method: 'POST', path: () => `/v1/prescriptions/${rx.id}/code`, actor: () => doctor, sub: () => rx.id },
  { name: 'cancel', method: 'POST', path: () => `/v1/prescriptions/${rx.id}/cancel`, actor: () => doctor, sub: () => rx.id },
  { name: 'claim', method: 'POST', path: () => '/v1/claims', actor: () => pharmacy, sub: () => rx.id },
  { name: 'dispense', method: 'POST', path: () => `/v1/claims/${claimId}/dispense`, actor: () => pharmacy, sub: () => rx.id },
  { name: 'release', method: 'POST', path: () => `/v1/claims/${claimId}/release`, actor: () => pharmacy, sub: () => rx.id },
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
  fc.record({ reason: fc.oneof(fc.string({ maxLength: 600 }), fc.integer()), rotate: fc.oneof(fc.boolean(), fc.string()), datamatrix: fc.oneof(fc.constantFrom('svg', 'png', 'gif'), fc.integer()) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc.tuple(fc.constantFrom('patient', 'items', 'iat', 'validUntil', 'renewals', 'controlled', 'replaces', 'jti'), fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => ({ bend: k, value: v })),
);

async function send(t: Target, body: string | { bend: string; value: unknown }) {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    // A validly signed document with one member replaced by anything: reaches the deepest checks.
    const payload = { ...rxPayload(doctor.id, h.clock.now), [body.bend]: body.value };
    const key = t.name === 'dispense' ? 'dispensation' : t.name === 'issue' ? 'prescription' : 'code';
    const signer = t.name === 'dispense' ? pharmacy : doctor;
    text = JSON.stringify({ [key]: await signDocument(signer.key, t.name === 'dispense' ? 'ordo-dispense+jwt' : 'ordo-rx+jwt', payload) });
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
      { numRuns: Number(process.env.ORDO_FUZZ_RUNS ?? 150) },
    );
  });
});
