import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import type { V1Code, V1Lookup, V1Problem } from '../../src/contract/index.js';
import { issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { claim } from '../support/redeem.js';

let h: Harness;
let doctor: TestActor;
beforeAll(async () => {
  h = await makeHarness();
  doctor = await h.addActor('prescriber');
});
afterAll(() => h.close());

const lookup = (code: string, client = '198.51.100.1') => h.send('POST', '/v1/lookup', { body: JSON.stringify({ code }), headers: { 'x-test-client': client } });

/** Changes one data symbol of a grouped code and recomputes nothing: a wrong v, or a wrong check. */
function flip(code: string, at: number): string {
  const chars = [...code];
  chars[at] = chars[at] === '0' ? '1' : '0';
  return chars.join('');
}

describe('lookup', () => {
  it('opens the prescription by typed code, scanned payload, or sloppy typing', async () => {
    const r = await issue(h, doctor);
    const sloppy = r.code.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l');
    for (const code of [r.code, r.payload, `${r.payload}\r\n`, sloppy]) {
      const res = await lookup(code);
      expect(res.status, code).toBe(200);
      const body = (await res.json()) as V1Lookup;
      expect(body.prescription.id).toBe(r.id);
      expect(body.prescription.document).toBe(r.jws);
      expect((body.prescription.content as { patient: { family: string } }).patient.family).toBe('Martin');
      expect(body.prescription.prescriber).toMatchObject({ id: doctor.id, name: 'Dr Claire Roussel', profession: 'médecin' });
      expect(body.status).toBe('active');
      // Paced: the first delivery may take one quantity (2) of the 6.
      expect(body.remaining).toEqual([{ item: 0, total: 6, dispensed: 0, remaining: 6, dispensableNow: 2, dueAt: null }]);
      expect(body.events[0]).toMatchObject({ index: 0, type: 'issued', proof: r.jws, receipt: r.receipt });
    }
  });

  it('a wrong check symbol is 400 bad_check; an unknown id and a wrong code are the same 404', async () => {
    const r = await issue(h, doctor);
    const badCheck = await lookup(r.code.slice(0, -1) + (r.code.endsWith('0') ? '1' : '0'));
    expect(badCheck.status).toBe(400);
    const bc = (await badCheck.json()) as V1Problem;
    expect(bc.code).toBe('bad_check');
    expect(bc.detail).toMatch(/mistyped/);
    // Scanned payloads carry no check symbol: a changed v reaches the HMAC and fails there.
    const wrongV = await lookup(flip(r.payload, 30));
    const unknownId = await lookup(flip(r.payload, 8));
    expect(wrongV.status).toBe(404);
    expect(unknownId.status).toBe(404);
    const a = (await wrongV.json()) as V1Problem;
    const b = (await unknownId.json()) as V1Problem;
    expect(a).toEqual(b);
    expect((await lookup('not a code')).status).toBe(400);
  });

  it('limits failed attempts per client: 429 with Retry-After, other clients unaffected', async () => {
    const r = await issue(h, doctor);
    const wrong = flip(r.payload, 30);
    for (let i = 0; i < 20; i++) expect((await lookup(wrong, '203.0.113.9')).status).toBe(404);
    const blocked = await lookup(r.payload, '203.0.113.9');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await blocked.json()).code).toBe('too_many_attempts');
    expect((await lookup(r.payload, '203.0.113.10')).status).toBe(200);
    h.advance(20 * 60 * 1000);
    expect((await lookup(r.payload, '203.0.113.9')).status).toBe(200);
  });
});

describe('the failed-code limit is fair', () => {
  const wrongCode = (r: { payload: string }) => flip(r.payload, 30);
  const expect429 = async (res: Response) => {
    expect(res.status).toBe(429);
    expect(((await res.json()) as V1Problem).code).toBe('too_many_attempts');
  };

  it('a mistyped code (bad check) is not a guess: 25 of them lock nothing', async () => {
    const r = await issue(h, doctor);
    const typo = r.code.slice(0, -1) + (r.code.endsWith('0') ? '1' : '0');
    for (let i = 0; i < 25; i++) expect((await lookup(typo, '198.51.100.40')).status).toBe(400);
    expect((await lookup(r.code, '198.51.100.40')).status).toBe(200);
  });

  it("a pharmacy's wrong claims count against that pharmacy, not the address it shares with others", async () => {
    // Every harness request comes from one address: a chain's pharmacies behind one NAT.
    const [a, b] = [await h.addActor('pharmacy'), await h.addActor('pharmacy')];
    const r = await issue(h, doctor);
    for (let i = 0; i < 20; i++) expect((await claim(h, a, wrongCode(r))).status).toBe(404);
    const locked = await claim(h, a, r.payload);
    expect([locked.status, locked.body.code]).toEqual([429, 'too_many_attempts']);
    expect(locked.body.detail).toMatch(/this pharmacy/);
    expect((await claim(h, b, r.payload)).status).toBe(201);
    expect((await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: r.payload }) })).status).toBe(200);
    h.advance(20 * 60 * 1000);
  });

  it('IPv6 counts per /64: rotating through the /64 does not reset the count; the next /64 is another client', async () => {
    const r = await issue(h, doctor);
    for (let i = 1; i <= 20; i++) expect((await lookup(wrongCode(r), `2001:db8:1:2::${i.toString(16)}`)).status).toBe(404);
    await expect429(await lookup(r.payload, '2001:db8:1:2:ffff:ffff:ffff:fffe'));
    await expect429(await lookup(r.payload, '2001:0DB8:0001:0002:0:0:0:1'));
    expect((await lookup(r.payload, '2001:db8:1:3::1')).status).toBe(200);
  });

  it('an IPv4-mapped IPv6 address is its IPv4 address', async () => {
    const r = await issue(h, doctor);
    for (let i = 0; i < 10; i++) expect((await lookup(wrongCode(r), '203.0.113.50')).status).toBe(404);
    for (let i = 0; i < 10; i++) expect((await lookup(wrongCode(r), '::ffff:203.0.113.50')).status).toBe(404);
    await expect429(await lookup(r.payload, '203.0.113.50'));
    await expect429(await lookup(r.payload, '::ffff:cb00:7132'));
    expect((await lookup(r.payload, '203.0.113.51')).status).toBe(200);
  });

  it('a right code costs nothing: 19 wrong, any number right, then the 20th wrong still answers', async () => {
    const r = await issue(h, doctor);
    for (let i = 0; i < 19; i++) expect((await lookup(wrongCode(r), '198.51.100.60')).status).toBe(404);
    for (let i = 0; i < 30; i++) expect((await lookup(r.payload, '198.51.100.60')).status).toBe(200);
    expect((await lookup(wrongCode(r), '198.51.100.60')).status).toBe(404);
    await expect429(await lookup(r.payload, '198.51.100.60'));
  });
});

describe('datamatrix route', () => {
  it('returns the image itself', async () => {
    const r = await issue(h, doctor);
    const svg = await h.send('POST', '/v1/datamatrix', { body: JSON.stringify({ code: r.code, format: 'svg' }) });
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toContain('<svg');
    const png = await h.send('POST', '/v1/datamatrix', { body: JSON.stringify({ code: r.payload, format: 'png' }) });
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await png.arrayBuffer()).subarray(0, 4)).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    const bad = await h.send('POST', '/v1/datamatrix', { body: JSON.stringify({ code: r.code, format: 'gif' }) });
    expect(bad.status).toBe(400);
  });
});

describe('reprint and rotation', () => {
  it('reprints the same code; rotation gives a new one, records code_rotated, and the old code answers 404', async () => {
    const r = await issue(h, doctor);
    const reprint = await h.call(doctor, 'POST', `/v1/prescriptions/${r.id}/code`, { body: { datamatrix: 'svg' }, sub: r.id });
    expect(reprint.status).toBe(200);
    const rp = (await reprint.json()) as V1Code;
    expect(rp.code).toBe(r.code);
    expect((rp.datamatrix as { svg: string }).svg).toContain('<svg'); // asked for svg

    const rot = await h.call(doctor, 'POST', `/v1/prescriptions/${r.id}/code`, { body: { rotate: true }, sub: r.id });
    expect(rot.status).toBe(200);
    const rt = (await rot.json()) as V1Code;
    expect(rt.code).not.toBe(r.code);
    expect(rt.code.slice(0, 19)).toBe(r.code.slice(0, 19)); // same id: first 16 symbols, 3 hyphens
    expect(decodeJwt(rt.receipt!)).toMatchObject({ evt: { index: 1, type: 'code_rotated' } });

    expect((await lookup(r.code)).status).toBe(404);
    const now = await lookup(rt.code);
    expect(now.status).toBe(200);
    const body = (await now.json()) as V1Lookup;
    // The document was re-sealed under the new code and still opens.
    expect(body.prescription.document).toBe(r.jws);
    expect(body.events.map((e) => e.type)).toEqual(['issued', 'code_rotated']);
    const header = JSON.parse(Buffer.from((await h.deps.store.getEvent(r.id, 0))!.proof!.split('.')[0]!, 'base64url').toString());
    expect(header).toMatchObject({ alg: 'dir', enc: 'A256GCM', kid: h.deps.keys.tokenKey.id, 'ordo:rx': r.id, 'ordo:idx': 0, 'ordo:doc': 'rx', 'ordo:pack': 1 });
  });

  it("another prescriber gets 404 for someone else's prescription", async () => {
    const r = await issue(h, doctor);
    const o = await h.addActor('prescriber');
    const res = await h.call(o, 'POST', `/v1/prescriptions/${r.id}/code`, { body: { rotate: true }, sub: r.id });
    expect(res.status).toBe(404);
    expect((await lookup(r.code)).status).toBe(200);
  });
});
