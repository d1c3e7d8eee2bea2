/**
 * The verifier against real traces: a trace recorded through the HTTP API verifies; after any
 * single byte of a stored event, proof or receipt is changed in the SQLite file itself, it does
 * not; and a signature by a key revoked before the event is refused.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTrace, type DirectoryRecord } from '../../src/domain/verify-trace.js';
import { contentKeyOf } from '../../src/service/code-access.js';
import { openTrace } from '../../src/service/trace.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { ISSUER, issue, makeHarness, type Harness, type TestActor } from '../support/harness.js';
import { cancel, claim, dispense, release } from '../support/redeem.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';

let h: Harness;
let doctor: TestActor;
let pharmA: TestActor;
let pharmB: TestActor;
let rxId: string;
let directory: DirectoryRecord[];
let jwks: { keys: any[] };
const migrations = join(import.meta.dirname, '../../drizzle');

async function traceFrom(store = h.store) {
  const deps = { ...h.deps, store };
  const row = (await store.getPrescription(rxId))!;
  return openTrace(deps, row, await contentKeyOf(deps, row));
}
const verify = async (events: Awaited<ReturnType<typeof traceFrom>>) => verifyTrace({ prescriptionId: rxId, events, directory, ordoJwks: jwks, issuer: ISSUER });

beforeAll(async () => {
  h = await makeHarness();
  doctor = await h.addActor('prescriber');
  pharmA = await h.addActor('pharmacy');
  pharmB = await h.addActor('pharmacy', { keyType: 'P-256' });
  const rx = await issue(h, doctor, { renewals: 1, items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol', dosage: '1 cp', quantity: 2, unit: 'boîte' }] });
  rxId = rx.id;
  const a = await claim(h, pharmA, rx.code);
  h.advance(60_000);
  expect((await dispense(h, pharmA, rx.id, a.body.claim.id, [{ item: 0, quantity: 1 }])).status).toBe(201);
  const a2 = await claim(h, pharmA, rx.code);
  h.advance(60_000);
  await release(h, pharmA, rx.id, a2.body.claim.id);
  const b = await claim(h, pharmB, rx.code);
  h.advance(700_000);
  const b2 = await claim(h, pharmA, rx.code); // B's claim lapsed: claim_expired + claimed
  expect(b2.status).toBe(201);
  expect(b.status).toBe(201);
  await h.call(doctor, 'POST', `/v1/prescriptions/${rx.id}/code`, { body: { rotate: true }, sub: rx.id });
  await cancel(h, doctor, rx.id);
  directory = await Promise.all([doctor, pharmA, pharmB].map(async (a) => (await (await h.send('GET', `/v1/directory/${a.id}`)).json()) as DirectoryRecord));
  jwks = (await (await h.send('GET', '/.well-known/jwks.json')).json()) as { keys: any[] };
});
afterAll(() => h.close());

describe('a real trace', () => {
  it('verifies, as looked up by the code holder', async () => {
    const events = await traceFrom();
    expect(events.map((e) => e.type)).toEqual(['issued', 'claimed', 'dispensed', 'claimed', 'released', 'claimed', 'claim_expired', 'claimed', 'code_rotated', 'cancelled']);
    expect(await verify(events)).toEqual({ ok: true, events: 10 });
  });

  it('fails after any single byte of a stored event, proof or receipt is changed in the file', async () => {
    h.db.pragma('wal_checkpoint(TRUNCATE)');
    const pristine = join(h.dir, 'pristine.db');
    copyFileSync(h.dbFile, pristine);
    const rows = h.db.prepare('select * from events where prescription_id = ? order by idx').all(rxId) as Record<string, any>[];
    // Text values (the claim id) and packed ones (store/codec.ts: hashes, actors, proofs, receipt signatures).
    const targets: { what: string; value: Buffer }[] = [];
    for (const r of rows) {
      for (const col of ['at', 'actor', 'claim', 'proof', 'proof_hash', 'prev_hash', 'hash', 'receipt', 'receipt_sig']) {
        const v = r[col];
        if (typeof v === 'string' && v.length > 0) targets.push({ what: `event ${r.idx} ${col}`, value: Buffer.from(v) });
        if (Buffer.isBuffer(v) && v.length > 0) targets.push({ what: `event ${r.idx} ${col}`, value: v });
      }
    }
    expect(targets.length).toBeGreaterThan(40);
    const bytes = readFileSync(pristine);
    const rowsOf = (db: { prepare: (q: string) => { all: (id: string) => unknown[] } }) => JSON.stringify(db.prepare('select * from events where prescription_id = ? order by idx').all(rxId));
    const original = rowsOf(h.db);
    let checked = 0;
    for (const t of targets) {
      // Every place the value's bytes appear: the event row itself, and copies (indexes, the prescription row).
      for (let at = bytes.indexOf(t.value); at >= 0; at = bytes.indexOf(t.value, at + 1)) {
        // One byte in the middle changes: a character becomes another of the same alphabet, so the row stays plausible; a packed byte has one bit flipped.
        const pos = at + Math.floor(t.value.length / 2);
        const tampered = Buffer.from(bytes);
        const ch = String.fromCharCode(tampered[pos]!);
        tampered[pos] = (/[0-9]/.test(ch) ? (ch === '7' ? '8' : '7') : ch === 'A' ? 'B' : ch === 'a' ? 'b' : /[A-Z]/.test(ch) ? 'A' : /[a-z]/.test(ch) ? 'a' : String.fromCharCode(tampered[pos]! ^ 1)).charCodeAt(0);
        const file = join(h.dir, 'tampered.db');
        writeFileSync(file, tampered);
        const { store, db } = openSqlite(file, { migrationsFolder: migrations , packer: nodeSuite});
        try {
          if (rowsOf(db) === original) continue; // the byte was in a copy, not in a stored event
          const result = await verify(await traceFrom(store));
          expect(result.ok, t.what).toBe(false);
          checked++;
        } finally {
          db.close();
        }
      }
    }
    console.log(`tampered bytes that changed a stored event: ${checked}, all caught`);
    expect(checked).toBeGreaterThan(50);
  });

  it('refuses a signature made with a key revoked before the event', async () => {
    const events = await traceFrom();
    const revokedBefore = directory.map((d) =>
      d.id === pharmA.id ? { ...d, keys: d.keys.map((k) => ({ ...k, revokedAt: events[1]!.at })) } : d,
    );
    const r = await verifyTrace({ prescriptionId: rxId, events, directory: revokedBefore, ordoJwks: jwks, issuer: ISSUER });
    expect(r).toMatchObject({ ok: false, index: 1, check: 'actor_key' });
  });

  it('the same key revoked after the event leaves the trace valid, and the server refuses it from then on', async () => {
    const at = new Date(h.clock.now).toISOString();
    expect((await h.admin('POST', `/v1/admin/actors/${pharmB.id}/keys/${pharmB.key.kid}/revoke`)).status).toBe(200);
    const dir = await Promise.all([doctor, pharmA, pharmB].map(async (a) => (await (await h.send('GET', `/v1/directory/${a.id}`)).json()) as DirectoryRecord));
    expect(dir[2]!.keys[0]!.revokedAt).toBe(at);
    expect(await verifyTrace({ prescriptionId: rxId, events: await traceFrom(), directory: dir, ordoJwks: jwks, issuer: ISSUER })).toMatchObject({ ok: true });
    const rx = await issue(h, doctor);
    const c = await claim(h, pharmB, rx.code);
    expect([c.status, c.body.code]).toEqual([401, 'unauthenticated']);
  });
});
