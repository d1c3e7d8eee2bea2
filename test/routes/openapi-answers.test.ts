/**
 * Ordo's answers are what its OpenAPI document says: a whole story driven through the app, and
 * every answer checked against the live /openapi.json — its status must be declared for that
 * operation, its media type too, and a JSON body must pass the declared schema (JSON Schema
 * 2020-12, `$ref`s to the components resolved). The document's own examples pass it as well.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { base64url } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { generateKey, signDocument } from '../../src/client/sign.js';
import { randomBytes } from '../../src/crypto/hash.js';
import { logTurn } from '../../src/service/log/turn.js';
import { makeHarness, rxPayload, type CallOptions, type TestActor } from '../support/harness.js';
import { dispenseRecord, idOf, salt } from '../support/redeem.js';

type Media = { schema?: object; example?: unknown; examples?: Record<string, { value: unknown }> };
type Operation = { operationId?: string; requestBody?: { content?: Record<string, Media> }; responses: Record<string, { content?: Record<string, Media> }> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

const h = await makeHarness();
afterAll(() => h.close());
const doc = (await (await h.send('GET', '/openapi.json')).json()) as Doc;

// The components under absolute ids, so that `#/components/schemas/X` resolves from any schema.
const BASE = 'https://ordo.invalid/components/schemas/';
const rebase = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema), (k, v) => (k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', BASE) : v));
const ajv = new Ajv2020({ strict: true, allErrors: true });
ajv.addKeyword('example');
// ajv-formats is not a dependency: the formats the document uses, checked as strictly (an unknown one still fails).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
ajv.addFormat('date-time', (v: string) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
ajv.addFormat('date', (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)));
ajv.addFormat('uri', (v: string) => URL.canParse(v));
ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
ajv.addFormat('binary', true);
for (const [name, schema] of Object.entries(doc.components.schemas)) ajv.addSchema(rebase(schema) as object, `${BASE}${name}`);
const compiled = new Map<object, ValidateFunction>();
function validate(schema: object, value: unknown, where: string) {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(rebase(schema) as object)));
  expect(v(value), `${where}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 500)}`).toBe(true);
}

/** The operation answering `method path`: the template matching the path with the most literal segments. */
function operationOf(method: string, path: string) {
  const bare = path.split('?')[0]!;
  const matches = Object.entries(doc.paths)
    .filter(([template, ops]) => ops[method.toLowerCase()] && new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare))
    .sort(([a], [b]) => b.split('{').length - a.split('{').length);
  const found = matches.at(-1);
  if (!found) throw new Error(`${method} ${bare} is not in the document`);
  return { template: found[0], op: found[1][method.toLowerCase()]! };
}

/** Every answered operation and status (`getPrescription 304`). */
const answered = new Set<string>();

/** Checks an answer against the document and returns its status and body. */
async function checked(method: string, path: string, res: Response) {
  const { template, op } = operationOf(method, path);
  const where = `${method} ${template} → ${res.status}`;
  const declared = op.responses[String(res.status)];
  const text = await res.text();
  expect(declared, `${where}: status not declared (body ${text.slice(0, 300)})`).toBeDefined();
  answered.add(`${op.operationId} ${res.status}`);
  if (!declared!.content) {
    expect(text, `${where}: a body where the document declares none`).toBe('');
    return { status: res.status, body: undefined as any, headers: res.headers };
  }
  const type = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
  const media = declared!.content[type];
  expect(media, `${where}: ${type} not declared (${Object.keys(declared!.content).join(', ')})`).toBeDefined();
  if (!type.endsWith('json')) return { status: res.status, body: text as any, headers: res.headers };
  const body = JSON.parse(text) as any;
  validate(media!.schema!, body, where);
  return { status: res.status, body, headers: res.headers };
}

const call = async (actor: TestActor | null, method: string, path: string, o: CallOptions = {}) => checked(method, path, await h.call(actor, method, path, o));
const admin = async (method: string, path: string, body?: unknown) => checked(method, path, await h.admin(method, path, body));
const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  checked(method, path, await h.send(method, path, { body: body === undefined ? undefined : JSON.stringify(body), headers }));
const code = (c: string, status: number, answer: { status: number; body: any }) => expect([answer.status, answer.body?.code]).toEqual([status, c]);

describe('every answer is one the document declares', () => {
  let doctor: TestActor, pharmacy: TestActor, other: TestActor;
  let rx: { id: string; code: string; jws: string };

  it('system and the log before any event: JWKS, health, no checkpoint yet', async () => {
    const jwks = await send('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect((await send('GET', '/.well-known/jwks.json', undefined, { 'if-none-match': jwks.headers.get('etag')! })).status).toBe(304);
    expect((await send('GET', '/healthz')).status).toBe(200);
    code('not_found', 404, await send('GET', '/log/checkpoint'));
    expect((await send('GET', '/.well-known/ordo-log-key')).status).toBe(200);
  });

  it('the registrar: add actors and keys, revoke, suspend, reinstate; 400, 401, 404, 409', async () => {
    doctor = await h.addActor('prescriber');
    pharmacy = await h.addActor('pharmacy');
    other = await h.addActor('pharmacy');
    const key = await generateKey('P-256');
    const added = await admin('POST', '/v1/admin/actors', { id: '10009876543', kind: 'prescriber', name: 'Dr Jean Moreau', specialty: 'cardiologie', keys: [key.publicJwk] });
    expect(added.status).toBe(201);
    const second = await generateKey();
    const kid = await admin('POST', '/v1/admin/actors/10009876543/keys', { jwk: second.publicJwk });
    expect(kid.status).toBe(201);
    code('conflict', 409, await admin('POST', '/v1/admin/actors/10009876543/keys', { jwk: second.publicJwk }));
    code('not_found', 404, await admin('POST', '/v1/admin/actors/nobody/keys', { jwk: second.publicJwk }));
    code('bad_request', 400, await admin('POST', '/v1/admin/actors', { id: 'x', kind: 'prescriber', name: 'X', keys: [key.publicJwk], extra: 1 }));
    code('unauthenticated', 401, await send('POST', '/v1/admin/actors/10009876543/suspend'));
    expect((await admin('POST', `/v1/admin/actors/10009876543/keys/${kid.body.kid}/revoke`)).body.status).toBe('revoked');
    expect((await admin('POST', '/v1/admin/actors/10009876543/suspend')).body.status).toBe('suspended');
    expect((await admin('POST', '/v1/admin/actors/10009876543/reinstate')).body.status).toBe('active');
    code('not_found', 404, await admin('POST', '/v1/admin/actors/nobody/reinstate'));
  });

  it('the directory: an entry, 304 on an unchanged ETag, 404', async () => {
    const entry = await send('GET', `/v1/directory/${doctor.id}`);
    expect(entry.status).toBe(200);
    expect((await send('GET', `/v1/directory/${doctor.id}`, undefined, { 'if-none-match': entry.headers.get('etag')! })).status).toBe(304);
    code('not_found', 404, await send('GET', '/v1/directory/nobody'));
    code('bad_request', 400, await send('GET', '/v1/directory/no%20such'));
  });

  it('the prescriber: issue (and its retry), list, view (and 304), reprint, rotate; 401, 403, 409, 422', async () => {
    const jws = await signDocument(doctor.key, 'ordo-rx+jwt', rxPayload(doctor.id, h.clock.now));
    const issued = await call(doctor, 'POST', '/v1/prescriptions', { body: { prescription: jws, datamatrix: 'svg' } });
    expect(issued.status).toBe(201);
    rx = { id: issued.body.id, code: issued.body.code, jws };
    expect((await call(doctor, 'POST', '/v1/prescriptions', { body: { prescription: jws } })).status).toBe(200);
    const sameJti = await signDocument(doctor.key, 'ordo-rx+jwt', rxPayload(doctor.id, h.clock.now, { jti: JSON.parse(atob(jws.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).jti, renewals: 1 }));
    code('conflict', 409, await call(doctor, 'POST', '/v1/prescriptions', { body: { prescription: sameJti } }));
    const bad = await signDocument(doctor.key, 'ordo-rx+jwt', rxPayload(doctor.id, h.clock.now, { items: [] }));
    code('invalid_document', 422, await call(doctor, 'POST', '/v1/prescriptions', { body: { prescription: bad } }));
    code('unauthenticated', 401, await call(null, 'POST', '/v1/prescriptions', { body: { prescription: jws } }));
    code('forbidden', 403, await call(pharmacy, 'POST', '/v1/prescriptions', { body: { prescription: jws } }));

    const page = await call(doctor, 'GET', '/v1/prescriptions?limit=10');
    expect(page.body.items.map((i: { id: string }) => i.id)).toContain(rx.id);
    code('bad_request', 400, await call(doctor, 'GET', '/v1/prescriptions?limit=1000'));
    const view = await call(doctor, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id });
    expect(view.status).toBe(200);
    expect((await call(doctor, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id, headers: { 'if-none-match': view.headers.get('etag')! } })).status).toBe(304);
    const stranger = await h.addActor('prescriber');
    code('not_found', 404, await call(stranger, 'GET', `/v1/prescriptions/${rx.id}`, { sub: rx.id }));

    expect((await call(doctor, 'POST', `/v1/prescriptions/${rx.id}/code`, { sub: rx.id })).body.code).toBe(rx.code);
    const rotated = await call(doctor, 'POST', `/v1/prescriptions/${rx.id}/code`, { sub: rx.id, body: { rotate: true, datamatrix: 'png' } });
    expect(rotated.body.receipt).toBeTypeOf('string');
    code('not_found', 404, await send('POST', '/v1/lookup', { code: rx.code }));
    rx.code = rotated.body.code;
  });

  it('the pharmacy: claim, claim again, dispense (and its retry), release; 409, 422, 400', async () => {
    const claim = (who: TestActor, c = rx.code) => call(who, 'POST', '/v1/claims', { body: { code: c }, sub: idOf(c) });
    const first = await claim(pharmacy);
    expect(first.status).toBe(201);
    expect((await claim(pharmacy)).status).toBe(200);
    code('claimed_elsewhere', 409, await claim(other));
    const claimId = first.body.claim.id as string;
    const dispense = (record: string, id = claimId) => call(pharmacy, 'POST', `/v1/claims/${id}/dispense`, { body: { dispensation: record }, sub: rx.id });
    code('over_dispense', 422, await dispense(await dispenseRecord(h, pharmacy, rx.id, claimId, [{ item: 0, quantity: 99 }])));
    const record = await dispenseRecord(h, pharmacy, rx.id, claimId, [{ item: 0, quantity: 1, lot: 'A123' }]);
    const dispensed = await dispense(record);
    expect(dispensed.status).toBe(201);
    expect((await dispense(record)).status).toBe(200);
    code('claim_ended', 409, await dispense(await dispenseRecord(h, pharmacy, rx.id, claimId, [{ item: 0, quantity: 1 }])));
    // A correction of that record (a wrong lot), then one of the record it replaced: 409.
    const index = (JSON.parse(Buffer.from((dispensed.body.receipt as string).split('.')[1]!, 'base64url').toString()) as { evt: { index: number } }).evt.index;
    const correct = (record: string) => call(pharmacy, 'POST', `/v1/claims/${claimId}/correct`, { body: { dispensation: record }, sub: rx.id });
    expect((await correct(await dispenseRecord(h, pharmacy, rx.id, claimId, [{ item: 0, quantity: 1, lot: 'A124' }], { corrects: index }))).status).toBe(201);
    code('conflict', 409, await correct(await dispenseRecord(h, pharmacy, rx.id, claimId, [{ item: 0, quantity: 1 }], { corrects: index })));
    const again = await claim(pharmacy);
    // Held: listed, and held longer without the code.
    expect((await call(pharmacy, 'GET', '/v1/claims')).body.items).toHaveLength(1);
    expect((await call(pharmacy, 'POST', `/v1/claims/${again.body.claim.id}/extend`, { body: { ttl: 259_200 }, sub: rx.id })).status).toBe(200);
    const release = (body?: unknown) => call(pharmacy, 'POST', `/v1/claims/${again.body.claim.id}/release`, { body, sub: rx.id });
    code('bad_request', 400, await release({ reason: 'Rupture de stock' }));
    expect((await release({ reason: 'Rupture de stock', salt: salt() })).status).toBe(200);
    expect((await release()).status).toBe(200);
  });

  it('the code holder: lookup, the DataMatrix as SVG and PNG; 400, 404, 413, 415, 429', async () => {
    expect((await send('POST', '/v1/lookup', { code: rx.code })).body.events.length).toBeGreaterThan(3);
    expect((await send('POST', '/v1/datamatrix', { code: rx.code, format: 'svg' })).headers.get('content-type')).toBe('image/svg+xml');
    expect((await send('POST', '/v1/datamatrix', { code: rx.code, format: 'png' })).headers.get('content-type')).toBe('image/png');
    code('bad_check', 400, await send('POST', '/v1/lookup', { code: `${rx.code.slice(0, -1)}${rx.code.endsWith('0') ? '1' : '0'}` }));
    code('payload_too_large', 413, await send('POST', '/v1/lookup', { code: 'x'.repeat(70_000) }));
    code('unsupported_media_type', 415, await checked('POST', '/v1/lookup', await h.send('POST', '/v1/lookup', { body: 'code', headers: { 'content-type': 'text/plain' } })));
    const client = { 'x-test-client': '198.51.100.77' };
    const guess = () => `ORDO1:${base64url.encode(randomBytes(25)).replace(/[^0-9A-HJKMNP-TV-Z]/gi, '0').slice(0, 40).padEnd(40, '0')}`;
    for (let i = 0; i < 20; i++) code('not_found', 404, await send('POST', i % 2 ? '/v1/lookup' : '/v1/datamatrix', { code: guess(), ...(i % 2 ? {} : { format: 'svg' }) }, client));
    const limited = await send('POST', '/v1/lookup', { code: rx.code }, client);
    code('too_many_attempts', 429, limited);
    code('too_many_attempts', 429, await send('POST', '/v1/datamatrix', { code: rx.code, format: 'svg' }, client));
  });

  it('cancel, then a claim is 410 with the reason', async () => {
    const cancelled = await call(doctor, 'POST', `/v1/prescriptions/${rx.id}/cancel`, { body: { reason: 'Erreur de posologie', salt: salt() }, sub: rx.id });
    expect(cancelled.body.status).toBe('cancelled');
    const refused = await call(pharmacy, 'POST', '/v1/claims', { body: { code: rx.code }, sub: rx.id });
    code('cancelled', 410, refused);
    expect(refused.body.reason).toBe('Erreur de posologie');
    expect((await send('POST', '/v1/lookup', { code: rx.code })).body.cancelReason).toBe('Erreur de posologie');
  });

  it('the event feed: the prescriber, the pharmacy, a long poll that times out; 400, 401, 403', async () => {
    const mine = await call(doctor, 'GET', '/v1/feed?limit=500');
    expect(mine.body.events.some((e: { type: string }) => e.type === 'cancelled')).toBe(true);
    const held = await call(pharmacy, 'GET', '/v1/feed');
    expect(held.body.events.length).toBeGreaterThan(0);
    expect((await call(pharmacy, 'GET', `/v1/feed?after=${held.body.cursor}&wait=1`)).body).toEqual({ events: [], cursor: held.body.cursor });
    code('bad_request', 400, await call(doctor, 'GET', '/v1/feed?after=x'));
    code('unauthenticated', 401, await send('GET', '/v1/feed'));
    const suspended = await h.addActor('pharmacy');
    await admin('POST', `/v1/admin/actors/${suspended.id}/suspend`);
    code('forbidden', 403, await call(suspended, 'GET', '/v1/feed'));
  });

  it('the transparency log: checkpoint, key, a checkpoint by size, proofs; 400, 404', async () => {
    await logTurn(h.deps);
    const note = await send('GET', '/log/checkpoint');
    expect(note.status).toBe(200);
    const size = Number((note.body as string).split('\n')[1]);
    expect((await send('GET', `/log/checkpoints/${size}`)).body.size).toBe(size);
    code('not_found', 404, await send('GET', `/log/checkpoints/${size + 100}`));
    code('bad_request', 400, await send('GET', '/log/checkpoints/minus-one'));
    expect((await send('GET', `/log/proof/inclusion?index=1&size=${size}`)).body.proof.length).toBeGreaterThan(0);
    code('bad_request', 400, await send('GET', `/log/proof/inclusion?index=${size}&size=${size}`));
    expect((await send('GET', `/log/proof/consistency?from=1&size=${size}`)).status).toBe(200);
    code('not_found', 404, await send('GET', `/log/proof/consistency?from=1&size=${size + 100}`));
    code('bad_request', 400, await send('GET', '/log/proof/consistency?from=1&bogus=1'));
    code('not_found', 404, await send('GET', '/log/tsa.pem'));
  });

  it('certified practitioners: load a CRL, enrol, read the CRL back; 401, 415, 422 certificate_refused and crl_refused', async () => {
    const { makeTestPki } = await import('../support/pki.js');
    const pki = await makeTestPki();
    const now = Math.floor(Date.now() / 1000) * 1000;
    const p = await makeHarness({ now, env: { ORDO_TRUST_ANCHORS: pki.anchorsText } });
    try {
      const on = async (res: Response | Promise<Response>, method: string, path: string) => checked(method, path, await res);
      const crl = (body: Uint8Array | string, type = 'application/pkix-crl', token = p.adminToken) =>
        on(p.app.request('/v1/admin/crl', { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': type, authorization: `Bearer ${token}` } }), 'POST', '/v1/admin/crl');
      for (const ca of ['root', 'prescriber'] as const) expect((await crl(await pki.crl(ca, []))).status).toBe(200);
      expect((await crl(pki.pem(await pki.crl('pharmacy', []), 'X509 CRL'), 'application/x-pem-file')).status).toBe(200);
      code('crl_refused', 422, await crl(await pki.crl('other', [])));
      code('unsupported_media_type', 415, await crl('{}', 'application/json'));
      code('unauthenticated', 401, await crl(await pki.crl('root', []), 'application/pkix-crl', 'wrong'));
      const leaf = await pki.leaf({ id: '10101010101', key: 'rsa' });
      const actor = { id: '10101010101', kind: 'prescriber' as const, key: pki.signingKey(leaf) as TestActor['key'] };
      const enrol = (x5c: string[]) => on(p.call(actor, 'POST', '/v1/enrol', { body: { kind: 'prescriber', x5c } }), 'POST', '/v1/enrol');
      expect((await enrol(leaf.x5c)).status).toBe(201);
      expect((await enrol(leaf.x5c)).status).toBe(200);
      code('certificate_refused', 422, await enrol((await pki.leaf({ id: '10101010101', ca: 'other', key: 'rsa' })).x5c));
      code('bad_request', 400, await enrol([]));
      const entry = await on(p.send('GET', '/v1/directory/10101010101'), 'GET', '/v1/directory/10101010101');
      const ca = entry.body.keys[0].cas[0] as string;
      const back = await on(p.send('GET', `/v1/directory/crls/${ca}`), 'GET', `/v1/directory/crls/${ca}`);
      expect([back.status, back.headers.get('content-type')]).toEqual([200, 'application/pkix-crl']);
      code('not_found', 404, await on(p.send('GET', `/v1/directory/crls/${'A'.repeat(43)}`), 'GET', '/v1/directory/crls/x'));
    } finally {
      await p.close();
    }
  });

  it('the story answered every operation of these routes, each with a success', () => {
    const ops = [
      'getJwks', 'addActor', 'addActorKey', 'revokeActorKey', 'suspendActor', 'reinstateActor', 'getDirectoryEntry',
      'issuePrescription', 'listPrescriptions', 'getPrescription', 'getCode', 'cancelPrescription', 'claimPrescription', 'dispense', 'correctDispensation', 'listHeldClaims', 'extendClaim', 'releaseClaim',
      'lookup', 'renderDataMatrix', 'readFeed', 'getLogCheckpoint', 'getLogKey', 'getLogCheckpointRecord', 'proveInclusion', 'proveConsistency',
      'loadCrl', 'enrol', 'getCrl',
    ];
    const succeeded = new Set([...answered].filter((a) => /\s2\d\d$/.test(a)).map((a) => a.split(' ')[0]));
    expect(ops.filter((o) => !succeeded.has(o))).toEqual([]);
    for (const s of [304, 400, 401, 403, 404, 409, 410, 413, 415, 422, 429]) expect([...answered].some((a) => a.endsWith(` ${s}`)), String(s)).toBe(true);
  });
});

describe("the document's examples pass its schemas", () => {
  it('every request, answer and problem example', () => {
    let n = 0;
    const check = (media: Media, where: string) => {
      if (!media.schema) return;
      const values = [media.example, ...Object.values(media.examples ?? {}).map((e) => e.value)].filter((v) => v !== undefined);
      for (const v of values) (n++, validate(media.schema, v, where));
    };
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) check(media, `${method} ${path} request ${type}`);
        for (const [status, r] of Object.entries(op.responses)) for (const [type, media] of Object.entries(r.content ?? {})) if (type.endsWith('json')) check(media, `${method} ${path} ${status}`);
      }
    for (const [name, schema] of Object.entries(doc.components.schemas) as [string, { example?: unknown }][])
      if (schema.example !== undefined) (n++, validate({ $ref: `#/components/schemas/${name}` }, schema.example, `components.schemas.${name}.example`));
    expect(n).toBeGreaterThan(40);
  });
});
