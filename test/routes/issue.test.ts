import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { signDocument } from '../../src/client/sign.js';
import type { V1Issued, V1PrescriberView, V1PrescriptionPage } from '../../src/contract/index.js';
import { hashEvent, GENESIS_HASH } from '../../src/domain/events.js';
import { issue, makeHarness, rxPayload, type Harness, type TestActor } from '../support/harness.js';

let h: Harness;
let doctor: TestActor;
let other: TestActor;
beforeAll(async () => {
  h = await makeHarness();
  doctor = await h.addActor('prescriber');
  other = await h.addActor('prescriber', { keyType: 'P-256' });
});
afterAll(() => h.close());

const post = async (actor: TestActor, payload: Record<string, unknown>, extra: Record<string, unknown> = {}, key = actor.key) =>
  h.call(actor, 'POST', '/v1/prescriptions', { body: { prescription: await signDocument(key, 'ordo-rx+jwt', payload), ...extra } });

describe('issue', () => {
  it('issues: id, grouped code with check symbol, payload, status, default validUntil, a verifiable receipt', async () => {
    const r = await issue(h, doctor);
    expect(r.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(r.code).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){8}[0-9A-HJKMNP-TV-Z*~$=U]$/);
    expect(r.code.replaceAll('-', '').slice(0, 16)).toBe(r.id);
    expect(r.payload).toBe(`ORDO1:${r.code.replaceAll('-', '').slice(0, 40)}`);
    expect(r.status).toBe('active');
    expect(r.validUntil).toBe('2027-02-28');
    expect(r.datamatrix).toBeUndefined();
    // The receipt: signed by Ordo's published key, for event 0 of this prescription.
    expect(decodeProtectedHeader(r.receipt)).toMatchObject({ typ: 'ordo-receipt+jwt', kid: h.deps.keys.signer.kid });
    const { keys } = (await (await h.send('GET', '/.well-known/jwks.json')).json()) as { keys: any[] };
    const { payload } = await compactVerify(r.receipt, await importJWK(keys[0], keys[0].alg));
    const claims = JSON.parse(new TextDecoder().decode(payload));
    expect(claims).toMatchObject({ iss: 'https://ordo.test', sub: r.id, evt: { index: 0, type: 'issued', claim: null, prevHash: GENESIS_HASH } });
    const stored = (await h.deps.store.getEvent(r.id, 0))!;
    expect(stored.hash).toBe(claims.evt.hash);
    expect(stored.receipt).toBe(r.receipt);
    expect(await hashEvent({ prescriptionId: r.id, index: 0, type: 'issued', at: stored.at, actor: JSON.parse(stored.actor), claim: null, proofHash: stored.proofHash, prevHash: GENESIS_HASH })).toBe(stored.hash);
  });

  it('gives the DataMatrix only when asked', async () => {
    const svg = await issue(h, doctor, {}, { datamatrix: 'svg' });
    expect(svg.datamatrix.svg).toMatch(/^<svg|^<\?xml/);
    const png = await issue(h, doctor, {}, { datamatrix: 'png' });
    expect(Buffer.from(png.datamatrix.png, 'base64').subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it('accepts a P-256 prescriber', async () => {
    expect((await issue(h, other)).status).toBe('active');
  });

  it('a retry (same jti, same payload, new signature and token) answers the original receipt and code with 200, even after 24 h', async () => {
    const payload = rxPayload(doctor.id, h.clock.now, { jti: 'rx-retry-0001' });
    const first = await post(doctor, payload);
    expect(first.status).toBe(201);
    const a = (await first.json()) as V1Issued;
    h.advance(25 * 3600 * 1000);
    const again = await post(doctor, payload);
    expect(again.status).toBe(200);
    const b = (await again.json()) as V1Issued;
    expect(b).toEqual(a);
    expect(h.db.prepare("select count(*) n from prescriptions where doc_jti = 'rx-retry-0001'").get()).toEqual({ n: 1 });
    const changed = await post(doctor, { ...payload, notes: 'changed' });
    expect(changed.status).toBe(409);
    expect((await changed.json()).code).toBe('conflict');
  });

  it('the same jti from another prescriber is a different prescription', async () => {
    const p = rxPayload(other.id, h.clock.now, { jti: 'rx-shared-jti' });
    expect((await post(other, p)).status).toBe(201);
    expect((await post(doctor, { ...p, iss: doctor.id })).status).toBe(201);
  });
});

describe('issue refusals', () => {
  const cases: [string, (p: Record<string, any>) => Record<string, unknown>, number, string][] = [
    ['iat in the future', (p) => ({ ...p, iat: p.iat + 120 }), 422, 'invalid_document'],
    ['iat older than 24 h', (p) => ({ ...p, iat: p.iat - 24 * 3600 - 1 }), 422, 'invalid_document'],
    ['wrong aud', (p) => ({ ...p, aud: 'https://other.test' }), 422, 'invalid_document'],
    ['no items', (p) => ({ ...p, items: [] }), 422, 'invalid_document'],
    ['bad CIP13 check digit', (p) => ({ ...p, items: [{ ...p.items[0], code: { system: 'CIP13', value: '3400935955839' } }] }), 422, 'invalid_document'],
    ['quantity 0', (p) => ({ ...p, items: [{ ...p.items[0], quantity: 0 }] }), 422, 'invalid_document'],
    ['non-substitutable without reason', (p) => ({ ...p, items: [{ ...p.items[0], substitutable: false }] }), 422, 'invalid_document'],
    ['validUntil in the past', (p) => ({ ...p, validUntil: '2026-01-27' }), 422, 'invalid_document'],
    ['validUntil beyond a year', (p) => ({ ...p, validUntil: '2028-06-01' }), 422, 'invalid_document'],
    ['controlled with renewals', (p) => ({ ...p, controlled: true }), 422, 'invalid_document'],
    ['missing patient', (p) => ({ ...p, patient: undefined }), 422, 'invalid_document'],
    ['iss of another prescriber', (p) => ({ ...p, iss: 'someone-else' }), 422, 'invalid_document'],
    ['replaces an unknown prescription', (p) => ({ ...p, replaces: '0000000000000000' }), 422, 'invalid_document'],
  ];
  it.each(cases)('%s → %i %s', async (_name, mutate, status, code) => {
    const before = h.db.prepare('select count(*) n from prescriptions').get();
    const res = await post(doctor, mutate(rxPayload(doctor.id, h.clock.now)));
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await res.json()).code).toBe(code);
    expect(h.db.prepare('select count(*) n from prescriptions').get()).toEqual(before);
  });

  it('a document signed by another key than the caller\'s → 422 bad_signature', async () => {
    const res = await post(doctor, rxPayload(doctor.id, h.clock.now), {}, other.key);
    expect(res.status).toBe(422);
    expect((await res.json()).code).toBe('bad_signature');
  });

  it('a tampered document → 422 bad_signature; a wrong typ → 422 invalid_document', async () => {
    const jws = await signDocument(doctor.key, 'ordo-rx+jwt', rxPayload(doctor.id, h.clock.now));
    const [hd, , sig] = jws.split('.');
    const forged = `${hd}.${Buffer.from(JSON.stringify(rxPayload(doctor.id, h.clock.now, { notes: 'x' }))).toString('base64url')}.${sig}`;
    const res = await h.call(doctor, 'POST', '/v1/prescriptions', { body: { prescription: forged } });
    expect(res.status).toBe(422);
    expect((await res.json()).code).toBe('bad_signature');
    const wrongTyp = await h.call(doctor, 'POST', '/v1/prescriptions', { body: { prescription: await signDocument(doctor.key, 'ordo-dispense+jwt', rxPayload(doctor.id, h.clock.now)) } });
    expect((await wrongTyp.json()).code).toBe('invalid_document');
  });

  it('body errors: 415 not JSON, 400 malformed, 400 too deep, 413 too large, 400 empty, 400 unknown field', async () => {
    const post = (raw: string, headers: Record<string, string> = {}) => h.call(doctor, 'POST', '/v1/prescriptions', { raw, headers });
    const notJson = await post('prescription=x', { 'content-type': 'text/plain' });
    expect([notJson.status, (await notJson.json()).code]).toEqual([415, 'unsupported_media_type']);
    const malformed = await post('{"prescription":');
    expect([malformed.status, (await malformed.json()).code]).toEqual([400, 'bad_request']);
    const deep = await post('{"a":' + '['.repeat(20) + ']'.repeat(20) + '}');
    expect([deep.status, (await deep.json()).code]).toEqual([400, 'bad_request']);
    const huge = await post(JSON.stringify({ prescription: 'x'.repeat(70_000) }));
    expect([huge.status, (await huge.json()).code]).toEqual([413, 'payload_too_large']);
    const empty = await post('');
    expect([empty.status, (await empty.json()).code]).toEqual([400, 'bad_request']);
    const extra = await post(JSON.stringify({ prescription: 'a.b.c', extra: 1 }));
    expect([extra.status, (await extra.json()).code]).toEqual([400, 'bad_request']);
  });
});

describe('prescriber views', () => {
  it('lists own prescriptions, newest first, paged, filtered by state; never others\'', async () => {
    const h2 = await makeHarness();
    try {
      const d = await h2.addActor('prescriber');
      const o = await h2.addActor('prescriber');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await issue(h2, d)).id);
        h2.advance(1000);
      }
      await issue(h2, o);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await h2.call(d, 'GET', `/v1/prescriptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const page = (await res.json()) as V1PrescriptionPage;
        seen.push(...page.items.map((i) => i.id));
        expect(page.items[0]).toMatchObject({ status: 'active', items: 1 });
        expect((page.items[0] as Record<string, unknown>).patient).toBeUndefined(); // not in the type: the point is it is not sent
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
      const cancelled = (await (await h2.call(d, 'GET', '/v1/prescriptions?state=cancelled')).json()) as V1PrescriptionPage;
      expect(cancelled.items).toEqual([]);
      expect((await h2.call(d, 'GET', '/v1/prescriptions?limit=0')).status).toBe(400);
      expect((await h2.call(d, 'GET', '/v1/prescriptions?cursor=garbage')).status).toBe(400);
    } finally {
      h2.close();
    }
  });

  it('views one prescription: state, totals, events without proofs', async () => {
    const r = await issue(h, doctor);
    const res = await h.call(doctor, 'GET', `/v1/prescriptions/${r.id}`, { sub: r.id });
    expect(res.status).toBe(200);
    const v = (await res.json()) as V1PrescriberView;
    expect(v).toMatchObject({ id: r.id, status: 'active', validUntil: r.validUntil, remaining: [{ item: 0, total: 6, dispensed: 0, remaining: 6 }], nextDueAt: null });
    expect(v.events).toHaveLength(1);
    expect((v.events[0] as Record<string, unknown>).proof).toBeUndefined(); // not in the type: the point is it is not sent
    expect(JSON.stringify(v)).not.toContain('Martin');
  });
});
