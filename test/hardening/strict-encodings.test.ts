/**
 * At Ordo's door a signed object has exactly one string form and one reading: request tokens and
 * documents with stray base64url bits, a high-S ES256 signature or a member named twice are
 * refused like any bad token (401) or document (422), bodies with a member twice like any
 * malformed body (400), and nothing is written. The SDK's own P-256 signatures always pass.
 */
import { base64url, CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequestToken } from '../../src/client/sign.js';
import { isLowS } from '../../src/crypto/ecdsa.js';
import { ISSUER, issue, makeHarness, rxPayload, type Harness, type TestActor } from '../support/harness.js';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const SYMBOLS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Stray bits in the last symbol of the signature: the same bytes, another string. */
const strayBits = (jws: string) => `${jws.slice(0, -1)}${SYMBOLS[SYMBOLS.indexOf(jws.at(-1)!) + 1]}`;
/** s → n − s: a signature as valid, in the high half. */
function highS(jws: string): string {
  const dot = jws.lastIndexOf('.');
  const sig = base64url.decode(jws.slice(dot + 1));
  if (!isLowS(sig)) return jws;
  let t = N - sig.subarray(32).reduce((a, b) => (a << 8n) | BigInt(b), 0n);
  const out = new Uint8Array(sig);
  for (let i = 63; i >= 32; i--, t >>= 8n) out[i] = Number(t & 0xffn);
  return `${jws.slice(0, dot + 1)}${base64url.encode(out)}`;
}

let h: Harness;
let doctor: TestActor;
let p256: TestActor;
beforeAll(async () => {
  h = await makeHarness();
  doctor = await h.addActor('prescriber');
  p256 = await h.addActor('prescriber', { keyType: 'P-256' });
});
afterAll(() => h.close());

const rows = () => h.db.prepare('select (select count(*) from prescriptions) p, (select count(*) from events) e, (select count(*) from request_tokens) t').get();
const token = (actor: TestActor, path: string, body?: string) =>
  signRequestToken({ key: actor.key, iss: actor.id, aud: ISSUER, method: body === undefined ? 'GET' : 'POST', path, body, now: Math.floor(h.clock.now / 1000) });
async function refused(res: Response) {
  return [res.status, ((await res.json()) as { code: string }).code];
}

describe('request tokens', () => {
  it.each([
    ['stray base64url bits', async () => strayBits(await token(doctor, '/v1/prescriptions'))],
    ['a high-S ES256 signature', async () => highS(await token(p256, '/v1/prescriptions'))],
    [
      'a payload member twice',
      async () => {
        const claims = `{"iss":"${doctor.id}","aud":"${ISSUER}","iat":${Math.floor(h.clock.now / 1000)},"exp":${Math.floor(h.clock.now / 1000) + 60},"jti":"j-0123456789abcdef","htm":"GET","htu":"/v1/other","htu":"/v1/prescriptions"}`;
        return new CompactSign(new TextEncoder().encode(claims)).setProtectedHeader({ alg: 'EdDSA', kid: doctor.key.kid, typ: 'ordo-req+jwt' }).sign(doctor.key.privateKey);
      },
    ],
  ])('%s → 401, nothing recorded', async (_, make) => {
    const before = rows();
    const res = await h.send('GET', '/v1/prescriptions', { headers: { authorization: `Bearer ${await make()}` } });
    expect(await refused(res)).toEqual([401, 'unauthenticated']);
    expect(rows()).toEqual(before);
  });

  it("the SDK's P-256 tokens always pass (it signs in low-S form)", async () => {
    for (let i = 0; i < 24; i++) expect((await h.call(p256, 'GET', '/v1/prescriptions')).status).toBe(200);
  });
});

describe('documents and bodies', () => {
  const send = async (actor: TestActor, prescription: string) => h.call(actor, 'POST', '/v1/prescriptions', { body: { prescription } });
  it.each([
    ['stray base64url bits', async () => strayBits(await (await import('../../src/client/sign.js')).signDocument(doctor.key, 'ordo-rx+jwt', rxPayload(doctor.id, h.clock.now))), () => doctor],
    ['a high-S ES256 signature', async () => highS(await (await import('../../src/client/sign.js')).signDocument(p256.key, 'ordo-rx+jwt', rxPayload(p256.id, h.clock.now))), () => p256],
    [
      'a member twice',
      async () => {
        const text = JSON.stringify(rxPayload(doctor.id, h.clock.now)).replace('"patient":', '"patient":{"family":"Autre","given":["X"],"birthDate":"1950-01-01"},"patient":');
        return new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'EdDSA', kid: doctor.key.kid, typ: 'ordo-rx+jwt' }).sign(doctor.key.privateKey);
      },
      () => doctor,
    ],
  ])('a prescription with %s → 422, nothing recorded', async (_, make, who) => {
    const before = rows();
    expect(await refused(await send(who(), await make()))).toEqual([422, 'invalid_document']);
    expect(rows()).toEqual(before);
  });

  it('a body with a member twice → 400', async () => {
    const rx = await issue(h, doctor);
    const before = rows();
    const res = await h.send('POST', '/v1/lookup', { body: `{"code":"${rx.code}","code":"${rx.code}"}` });
    expect(await refused(res)).toEqual([400, 'bad_request']);
    expect(rows()).toEqual(before);
  });
});
