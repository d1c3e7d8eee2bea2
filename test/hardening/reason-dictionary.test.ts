/**
 * Cancel and release reasons cannot be confirmed offline (issue 14, point 1). The request token
 * of a cancel or a release is stored in clear as the event's proof, and its `bdh` hashes the
 * body: without a random salt in the body, a dictionary of likely reasons recovers the reason
 * from a copy of the database. With it, nothing matches; the code holder still reads the cancel
 * reason (the sealed record is the signed body) and checks it against the token's `bdh`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { b64url, randomBytes, sha256b64url } from '../../src/crypto/hash.js';
import { seal } from '../../src/crypto/seal.js';
import { contentKeyOf } from '../../src/service/code-access.js';
import { issue, withCast } from '../support/harness.js';
import { cancel, claim, release, snapshot } from '../support/redeem.js';
import { lookupByCode, verifyByCode, verifyLookup } from '../support/trace.js';

const { h, doctor, pharmacy } = await withCast();

/** What a prescriber or a pharmacist is likely to write. */
const DICTIONARY = ['patient deceased', 'patient décédé', 'erreur de posologie', 'patient could not pay', 'allergie', 'doublon', 'changement de traitement', 'rupture de stock'];
const capitalised = (s: string) => s[0]!.toUpperCase() + s.slice(1);
/** The bodies a client would send for each guess, exactly as it would write them. */
const guesses = DICTIONARY.flatMap((r) => [r, capitalised(r)]).flatMap((r) => [JSON.stringify({ reason: r }), JSON.stringify({ reason: r }, null, 1), `{"reason": ${JSON.stringify(r)}}`]);

/** Every byte of the database as it lies on disk: the file and its WAL. */
function rawDatabase(): Buffer {
  return Buffer.concat([h.dbFile, `${h.dbFile}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

/** Every request token anywhere in those bytes (live rows, old versions in the WAL, free pages alike). */
function requestTokensIn(raw: Buffer): Record<string, unknown>[] {
  const text = raw.toString('latin1');
  const found = new Map<string, Record<string, unknown>>();
  for (const m of text.matchAll(/eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g)) {
    try {
      if (decodeProtectedHeader(m[0]).typ === 'ordo-req+jwt') found.set(m[0], decodeJwt(m[0]));
    } catch {
      // A fragment that is not a whole token.
    }
  }
  return [...found.values()];
}

const cancelPath = (id: string) => `/v1/prescriptions/${id}/cancel`;

describe('a dictionary of likely reasons against a copy of the database', () => {
  let cancelledCode: string;

  beforeAll(async () => {
    // Released with a reason, then cancelled while claimed; a second one cancelled outright.
    const rx = await issue(h, doctor);
    const a = await claim(h, pharmacy, rx.code);
    expect((await release(h, pharmacy, rx.id, a.body.claim.id, 'patient could not pay')).status).toBe(200);
    expect((await claim(h, pharmacy, rx.code)).status).toBe(201);
    expect((await cancel(h, doctor, rx.id, 'patient deceased')).status).toBe(200);
    const rx2 = await issue(h, doctor);
    expect((await cancel(h, doctor, rx2.id, 'Changement de traitement')).status).toBe(200);
    cancelledCode = rx.code;
  });

  it('confirms no reason from the request tokens stored as proofs of cancelled and released events', async () => {
    const ids = (h.db.prepare("select distinct prescription_id id from events where type in ('cancelled', 'released')").all() as { id: string }[]).map((r) => r.id);
    // The proofs as stored, unpacked (store/codec.ts): no code or key is needed to read them.
    const rows = (await Promise.all(ids.map((id) => h.deps.store.getEvents(id)))).flat().filter((e) => e.type === 'cancelled' || e.type === 'released');
    expect(rows.map((r) => r.type).sort()).toEqual(['cancelled', 'cancelled', 'released']);
    const guessed = new Set(await Promise.all(guesses.map((g) => sha256b64url(g))));
    for (const r of rows) {
      const p = decodeJwt(r.proof!);
      expect(typeof p.bdh, `${r.type}: its token has a bdh`).toBe('string');
      expect(guessed.has(p.bdh as string), `${r.type}: bdh matches a guess`).toBe(false);
    }
  });

  it('no request token lies in the raw file and its WAL as text (each is packed, and read above), and no reason text is in those bytes', async () => {
    const raw = rawDatabase();
    // Stored tokens are packed (store/codec.ts): the ones the test above unpacked are every token there is.
    expect(requestTokensIn(raw)).toEqual([]);
    for (const reason of ['patient deceased', 'patient could not pay', 'Changement de traitement']) {
      expect(raw.includes(Buffer.from(reason)), reason).toBe(false);
      expect(raw.includes(Buffer.from(reason, 'utf16le')), reason).toBe(false);
    }
  });

  it('the code holder still reads the reason, the trace verifies, and the cancelled event carries the signed body', async () => {
    const look = await lookupByCode(h, cancelledCode);
    expect([look.status, look.body.status, look.body.cancelReason]).toEqual([200, 'cancelled', 'patient deceased']);
    const cancelled = look.body.events.find((e) => e.type === 'cancelled')!;
    const body = JSON.parse(cancelled.body!) as { reason: string; salt: string };
    expect(body.reason).toBe('patient deceased');
    expect(body.salt).toMatch(/^[A-Za-z0-9_-]{22,86}$/);
    expect(await sha256b64url(cancelled.body!)).toBe(decodeJwt(cancelled.proof!).bdh);
    expect(look.body.events.filter((e) => e.body !== undefined)).toEqual([cancelled]);
    expect(await verifyLookup(h, look.body)).toMatchObject({ ok: true });
    // The pharmacy holding it is told the same reason.
    const c = await claim(h, pharmacy, cancelledCode);
    expect([c.status, c.body.code, c.body.reason]).toEqual([410, 'cancelled', 'patient deceased']);
  });

  it('a trace whose cancelled body was altered (another reason, the same salt) fails with binding at that event', async () => {
    const look = (await lookupByCode(h, cancelledCode)).body;
    const i = look.events.findIndex((e) => e.type === 'cancelled');
    const signed = JSON.parse(look.events[i]!.body!) as { reason: string; salt: string };
    look.events[i] = { ...look.events[i]!, body: JSON.stringify({ reason: 'allergie', salt: signed.salt }) };
    look.cancelReason = 'allergie';
    const r = await verifyLookup(h, look);
    expect(r).toMatchObject({ ok: false, index: i, check: 'binding' });
    expect(r.ok === false && r.message).toMatch(new RegExp(`event ${i} \\(cancelled\\)`));
  });

  it('a cancelled event with a body that is not the text signed fails too, even with the same reason', async () => {
    const look = (await lookupByCode(h, cancelledCode)).body;
    const i = look.events.findIndex((e) => e.type === 'cancelled');
    look.events[i] = { ...look.events[i]!, body: `${look.events[i]!.body!} ` };
    expect(await verifyLookup(h, look)).toMatchObject({ ok: false, index: i, check: 'binding' });
  });
});

describe('a body without a salt is refused, and nothing is written', () => {
  it('cancel: { reason } alone, or with a salt too short, is 400 bad_request saying to add a random salt', async () => {
    const rx = await issue(h, doctor);
    for (const body of [{ reason: 'patient deceased' }, { reason: 'patient deceased', salt: 'c2hvcnQ' }, { reason: 'patient deceased', salt: 42 }]) {
      const before = snapshot(h, rx.id);
      const tokens = h.db.prepare('select count(*) n from request_tokens').get();
      const res = await h.call(doctor, 'POST', cancelPath(rx.id), { body, sub: rx.id });
      const problem = (await res.json()) as { code: string; detail: string; errors: { path: string }[] };
      expect([res.status, problem.code], JSON.stringify(body)).toEqual([400, 'bad_request']);
      expect(problem.detail).toMatch(/salt: .*random bytes, base64url/);
      expect(problem.errors.map((e) => e.path)).toEqual(['salt']);
      expect(snapshot(h, rx.id)).toEqual(before);
      expect(h.db.prepare('select count(*) n from request_tokens').get()).toEqual(tokens);
    }
    expect((await lookupByCode(h, rx.code)).body.status).toBe('active');
  });

  it('release: a reason without a salt is 400 bad_request; without a reason no salt is needed', async () => {
    const rx = await issue(h, doctor);
    const a = await claim(h, pharmacy, rx.code);
    const path = `/v1/claims/${a.body.claim.id}/release`;
    const before = snapshot(h, rx.id);
    const res = await h.call(pharmacy, 'POST', path, { body: { reason: 'patient could not pay' }, sub: rx.id });
    const problem = (await res.json()) as { code: string; detail: string };
    expect([res.status, problem.code]).toEqual([400, 'bad_request']);
    expect(problem.detail).toMatch(/^salt: required with a reason: 16 or more random bytes, base64url/);
    expect(snapshot(h, rx.id)).toEqual(before);
    const ok = await h.call(pharmacy, 'POST', path, { body: {}, sub: rx.id });
    expect(ok.status).toBe(200);
  });

  it('a salt of 16 random bytes and one of 64 are accepted; 65 bytes are refused', async () => {
    const rx = await issue(h, doctor);
    const a = await claim(h, pharmacy, rx.code);
    const big = await h.call(pharmacy, 'POST', `/v1/claims/${a.body.claim.id}/release`, { body: { reason: 'x', salt: b64url(randomBytes(65)) }, sub: rx.id });
    expect(big.status).toBe(400);
    const r = await h.call(pharmacy, 'POST', `/v1/claims/${a.body.claim.id}/release`, { body: { reason: 'x', salt: b64url(randomBytes(64)) }, sub: rx.id });
    expect(r.status).toBe(200);
    const c = await h.call(doctor, 'POST', cancelPath(rx.id), { body: { reason: 'doublon', salt: b64url(randomBytes(16)) }, sub: rx.id });
    expect(c.status).toBe(200);
    expect((await lookupByCode(h, rx.code)).body.cancelReason).toBe('doublon');
  });
});

describe('the body is kept exactly as signed', () => {
  it('in any member order, spacing, escapes and with a byte-order mark: the reason is read from it (trimmed), the trace verifies', async () => {
    for (const raw of [`{ "salt": "${b64url(randomBytes(16))}",\n  "reason": "  Rupture de stock  " }`, `\uFEFF{"reason":"Rupture de stock","salt":"${b64url(randomBytes(16))}"}`, `{"reason":"Rupture de stock","salt":"${b64url(randomBytes(16))}"}`.replace('R', '\\u0052')]) {
      const rx = await issue(h, doctor);
      const res = await h.call(doctor, 'POST', cancelPath(rx.id), { raw, sub: rx.id });
      expect(res.status, raw).toBe(200);
      const look = (await lookupByCode(h, rx.code)).body;
      expect(look.cancelReason, raw).toBe('Rupture de stock');
      expect(look.events.find((e) => e.type === 'cancelled')!.body, raw).toBe(raw);
      expect(await verifyLookup(h, look), raw).toMatchObject({ ok: true });
    }
  });
});

describe('a cancel reason stored by the previous version (the reason alone, sealed)', () => {
  it('still answers its reason, to the code holder and to a pharmacy, and the trace verifies', async () => {
    const rx = await issue(h, doctor);
    expect((await cancel(h, doctor, rx.id, 'placeholder')).status).toBe(200);
    const row = (await h.store.getPrescription(rx.id))!;
    const idx = (h.db.prepare("select idx from events where prescription_id = ? and type = 'cancelled'").get(rx.id) as { idx: number }).idx;
    const old = await seal(h.deps.crypto, await contentKeyOf(h.deps, row), 'Erreur de posologie', { kid: row.tokenKeyId, rx: rx.id, idx, doc: 'cancel' });
    h.db.prepare('update prescriptions set cancel_reason = ? where id = ?').run(old, rx.id);

    const look = await lookupByCode(h, rx.code);
    expect([look.status, look.body.cancelReason]).toEqual([200, 'Erreur de posologie']);
    expect(look.body.events.find((e) => e.type === 'cancelled')!.body).toBeUndefined();
    expect(await verifyByCode(h, rx.code)).toMatchObject({ ok: true });
    const c = await claim(h, pharmacy, rx.code);
    expect([c.status, c.body.code, c.body.reason]).toEqual([410, 'cancelled', 'Erreur de posologie']);
  });

  it('an old reason that happens to be JSON text but not an object with a string reason is shown as it is', async () => {
    const rx = await issue(h, doctor);
    expect((await cancel(h, doctor, rx.id, 'placeholder')).status).toBe(200);
    const row = (await h.store.getPrescription(rx.id))!;
    const idx = (h.db.prepare("select idx from events where prescription_id = ? and type = 'cancelled'").get(rx.id) as { idx: number }).idx;
    for (const text of ['"quoted"', '42', '{"reason":7}', '["allergie"]']) {
      h.db.prepare('update prescriptions set cancel_reason = ? where id = ?').run(await seal(h.deps.crypto, await contentKeyOf(h.deps, row), text, { kid: row.tokenKeyId, rx: rx.id, idx, doc: 'cancel' }), rx.id);
      const look = await lookupByCode(h, rx.code);
      expect(look.body.cancelReason, text).toBe(text);
      expect(await verifyLookup(h, look.body), text).toMatchObject({ ok: true });
    }
  });
});
