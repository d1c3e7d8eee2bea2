/**
 * FHIR R4 export through the front door: a story driven through every state, each export of
 * both readers validated resource by resource by @medplum/core against the R4 definitions.
 */
import type { MedicationDispense, Provenance, Resource, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { OrdoBundle } from '../../src/fhir/bundle.js';
import { issue, withCast, type Harness, type TestActor } from '../support/harness.js';
import { bundleProblems } from '../support/fhir-validator.js';
import { cancel, claim, dispense, idOf } from '../support/redeem.js';

const { h, doctor, pharmacy } = await withCast();
const other = await h.addActor('prescriber');
const twoItems = {
  items: [
    { code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g, comprimé', dosage: '1 comprimé 3 fois par jour', quantity: 2, unit: 'boîte', renewals: 1 },
    { code: { system: 'ATC', value: 'N02BE01' }, label: 'Paracétamol', dosage: 'si douleur', quantity: 1, unit: 'boîte', substitutable: false, substitutionReason: 'MTE' },
  ],
};

async function asPrescriber(rxId: string, who: TestActor = doctor, headers: Record<string, string> = {}) {
  const res = await h.call(who, 'GET', `/v1/prescriptions/${rxId}/fhir`, { sub: rxId, headers });
  return { res, body: (await res.json()) as OrdoBundle & Record<string, unknown> };
}
async function asHolder(code: string, headers: Record<string, string> = {}) {
  const res = await h.send('POST', '/v1/lookup/fhir', { body: JSON.stringify({ code }), headers });
  return { res, body: (await res.json()) as OrdoBundle & Record<string, unknown> };
}
const of = <T extends Resource>(b: OrdoBundle, type: T['resourceType']) => b.entry.map((e): Resource => e.resource).filter((r): r is T => r.resourceType === type);

/** Both exports, valid in every resource; the prescriber's without any pharmacy identity. */
async function exportsOf(rxId: string, code: string, expected: { task: Task['status']; events: number; pharmacy?: boolean }) {
  const p = await asPrescriber(rxId);
  const c = await asHolder(code);
  for (const { res, body } of [p, c]) {
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/fhir+json');
    expect(bundleProblems(body as OrdoBundle & Resource)).toEqual({});
    expect(of<Task>(body, 'Task')[0]!.status).toBe(expected.task);
    expect(of<Provenance>(body, 'Provenance')).toHaveLength(expected.events);
  }
  const text = JSON.stringify(p.body);
  for (const secret of [pharmacy.id, 'Pharmacie des Lilas', 'Paul Hamon', 'Martin']) expect(text).not.toContain(secret);
  expect(of(p.body, 'Organization')).toEqual([]);
  // The holder sees the pharmacies of the trace, once there are some.
  expect(JSON.stringify(c.body).includes(pharmacy.id)).toBe(expected.pharmacy ?? false);
  return { prescriber: p.body, holder: c.body };
}

describe('a story, exported in every state', () => {
  it('active, claimed, partly dispensed, completed', async () => {
    const rx = await issue(h, doctor, twoItems);
    await exportsOf(rx.id, rx.code, { task: 'ready', events: 1 });
    const claimed = await claim(h, pharmacy, rx.code);
    expect(claimed.status).toBe(201);
    const inProgress = await exportsOf(rx.id, rx.code, { task: 'in-progress', events: 2, pharmacy: true });
    expect(of<Task>(inProgress.holder, 'Task')[0]!.owner?.reference).toBe(`urn:uuid:${of(inProgress.holder, 'Organization')[0]!.id}`);

    const first = await dispense(h, pharmacy, rx.id, claimed.body.claim.id, [{ item: 0, quantity: 2, lot: 'L42' }, { item: 1, quantity: 0, reason: 'out_of_stock' }]);
    expect(first.status).toBe(201);
    const partly = await exportsOf(rx.id, rx.code, { task: 'ready', events: 3, pharmacy: true });
    const lines = of<MedicationDispense>(partly.holder, 'MedicationDispense');
    expect(lines.map((d) => [d.status, d.quantity?.value])).toEqual([['completed', 2], ['declined', 0]]);
    expect(of(partly.prescriber, 'MedicationDispense')).toEqual([]);

    const again = await claim(h, pharmacy, rx.code);
    expect((await dispense(h, pharmacy, rx.id, again.body.claim.id, [{ item: 0, quantity: 2 }, { item: 1, quantity: 1 }])).status).toBe(201);
    const done = await exportsOf(rx.id, rx.code, { task: 'completed', events: 5, pharmacy: true });
    expect(of<MedicationDispense>(done.holder, 'MedicationDispense')).toHaveLength(4);
    // Stable ids: the first dispensing's lines keep theirs.
    expect(of(done.holder, 'MedicationDispense').slice(0, 2).map((d) => d.id)).toEqual(lines.map((d) => d.id));
  });

  it('cancelled: the holder sees the reason, the prescriber a generic one', async () => {
    const rx = await issue(h, doctor);
    expect((await cancel(h, doctor, rx.id, 'Erreur de posologie')).status).toBe(200);
    const { prescriber, holder } = await exportsOf(rx.id, rx.code, { task: 'cancelled', events: 2 });
    expect(of<Task>(holder, 'Task')[0]!.statusReason?.text).toBe('Erreur de posologie');
    expect(JSON.stringify(prescriber)).not.toContain('Erreur de posologie');
  });

  it('expired, recorded on access', async () => {
    const rx = await issue(h, doctor, { validUntil: undefined });
    h.advance(100 * 86_400_000);
    const { holder } = await exportsOf(rx.id, rx.code, { task: 'failed', events: 2 });
    expect(of<Task>(holder, 'Task')[0]!.statusReason?.text).toMatch(/^expired/);
    h.advance(-100 * 86_400_000);
  });

  it('code rotated: the old code answers 404, the new one the trace with its code_rotated event', async () => {
    const rx = await issue(h, doctor);
    const res = await h.call(doctor, 'POST', `/v1/prescriptions/${rx.id}/code`, { body: { rotate: true }, sub: rx.id });
    const rotated = (await res.json()) as { code: string };
    expect(res.status).toBe(200);
    expect((await asHolder(rx.code, { 'x-test-client': '198.51.100.9' })).res.status).toBe(404);
    const { holder } = await exportsOf(rx.id, rotated.code, { task: 'ready', events: 2 });
    expect(of<Provenance>(holder, 'Provenance').map((p) => p.activity?.coding?.[0]?.code)).toEqual(['issued', 'code_rotated']);
  });
});

describe('who may export', () => {
  it("someone else's prescription and an unknown one answer 404 alike; no token 401; a pharmacy 403", async () => {
    const rx = await issue(h, doctor);
    const theirs = await asPrescriber(rx.id, other);
    expect([theirs.res.status, theirs.body.code]).toEqual([404, 'not_found']);
    expect((await asPrescriber('0000000000000000')).res.status).toBe(404);
    expect((await h.send('GET', `/v1/prescriptions/${rx.id}/fhir`)).status).toBe(401);
    expect((await h.call(pharmacy, 'GET', `/v1/prescriptions/${rx.id}/fhir`, { sub: rx.id })).status).toBe(403);
  });

  it('the prescriber token is recorded: the same token again is replayed_token', async () => {
    const rx = await issue(h, doctor);
    const path = `/v1/prescriptions/${rx.id}/fhir`;
    const jti = `fhir-replay-${rx.id}`;
    expect((await h.call(doctor, 'GET', path, { sub: rx.id, jti })).status).toBe(200);
    const replay = await h.call(doctor, 'GET', path, { sub: rx.id, jti });
    expect([replay.status, ((await replay.json()) as { code: string }).code]).toEqual([401, 'replayed_token']);
  });

  it('a wrong code is 404 and counts against the same limit as POST /v1/lookup', async () => {
    const rx = await issue(h, doctor);
    const client = { 'x-test-client': '203.0.113.77' };
    const wrong = `${idOf(rx.code)}${'0'.repeat(24)}`;
    for (let i = 0; i < 10; i++) expect((await asHolder(wrong, client)).res.status).toBe(404);
    for (let i = 0; i < 10; i++) expect((await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: wrong }), headers: client })).status).toBe(404);
    const limited = await asHolder(rx.code, client);
    expect([limited.res.status, limited.body.code]).toEqual([429, 'too_many_attempts']);
    expect(limited.res.headers.get('retry-after')).toBeTruthy();
    // Not a code, a mistyped one: 400 as for the lookup, not counted.
    expect((await asHolder('nope', { 'x-test-client': '203.0.113.78' })).body.code).toBe('bad_request');
  });

  it('the code travels in the body only: no route takes it in the URL, and no log line holds it', async () => {
    const rx = await issue(h, doctor);
    const inQuery = await h.send('GET', `/v1/lookup/fhir?code=${encodeURIComponent(rx.code)}`);
    expect(inQuery.status).toBe(404);
    expect((await asHolder(rx.code)).res.status).toBe(200);
    expect(JSON.stringify(h.logs)).not.toContain(rx.code);
    expect(JSON.stringify(h.logs)).not.toContain(idOf(rx.code) + rx.code.slice(20, 25));
  });
});

describe('media types', () => {
  it('application/fhir+json by default and for */*; application/json to a client that accepts only that; never 406', async () => {
    const rx = await issue(h, doctor);
    const type = async (accept?: string) => (await asHolder(rx.code, accept ? { accept } : {})).res.headers.get('content-type');
    expect(await type()).toBe('application/fhir+json');
    expect(await type('*/*')).toBe('application/fhir+json');
    expect(await type('application/fhir+json, application/json;q=0.5')).toBe('application/fhir+json');
    expect(await type('application/json')).toBe('application/json');
    expect(await type('text/html')).toBe('application/fhir+json');
    expect((await asPrescriber(rx.id, doctor, { accept: 'application/json' })).res.headers.get('content-type')).toBe('application/json');
  });

  it('both routes are in the OpenAPI document, answering application/fhir+json', async () => {
    const doc = (await (await h.send('GET', '/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content: Record<string, unknown> }> }>> };
    const get = doc.paths['/v1/prescriptions/{id}/fhir']!.get!;
    const post = doc.paths['/v1/lookup/fhir']!.post!;
    expect([get.operationId, post.operationId]).toEqual(['getPrescriptionFhir', 'lookupFhir']);
    for (const op of [get, post]) expect(Object.keys(op.responses['200']!.content)).toEqual(['application/fhir+json']);
  });
});

export type { Harness };
