/**
 * Packed storage (issue 15, point 4; design § Storage): every value an event stores packed comes
 * back byte for byte, what would not is stored as it is, and a real trace is stored in the packed
 * forms (no receipt text, no base64, no prevHash twice).
 */
import { createHash } from 'node:crypto';
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { generateKey, signDocument, signRequestToken } from '../../src/client/sign.js';
import { packHash, packJwe, packJws, unpackJwe, unpackJws } from '../../src/crypto/pack.js';
import { PACK_DICTIONARY } from '../../src/crypto/pack-dictionary.js';
import { seal, open } from '../../src/crypto/seal.js';
import { buildReceipt, splitReceipt } from '../../src/crypto/receipt.js';
import { webSuite } from '../../src/crypto/suite/web.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { packEvent, receiptSplitOf, unpackEvents, type NewEvent, type StoredEvent } from '../../src/store/codec.js';
import { ISSUER, issue, rxPayload, withCast } from '../support/harness.js';
import { cancel, claim, dispense, release } from '../support/redeem.js';
import { lookupByCode, verifyLookup } from '../support/trace.js';

const { h, doctor, pharmacy } = await withCast();

describe('packed forms', () => {
  it('the preset dictionary is the one records were compressed with (changing it is a new format)', () => {
    expect(createHash('sha256').update(PACK_DICTIONARY).digest('hex')).toBe(DICTIONARY_SHA256);
  });

  it('a JWS packs to a third of its text and unpacks exactly, whichever suite deflated it', async () => {
    for (const type of ['Ed25519', 'P-256'] as const) {
      const key = await generateKey(type);
      const doc = await signDocument(key, 'ordo-rx+jwt', rxPayload('10001234567', Date.now()));
      const token = await signRequestToken({ key, iss: '750000001', aud: ISSUER, method: 'POST', path: '/v1/claims', body: '{"code":"x"}' });
      for (const jws of [doc, token]) {
        const packed = packJws(nodeSuite, jws)!;
        expect(packed.length).toBeLessThan(jws.length * 0.6);
        expect(unpackJws(packed)).toBe(jws);
        expect(unpackJws(packJws(webSuite, jws)!)).toBe(jws);
      }
    }
  });

  it('refuses to pack what would not come back exactly: padding, spare bits, other shapes', async () => {
    const key = await generateKey();
    const jws = await signRequestToken({ key, iss: 'a', aud: ISSUER, method: 'GET', path: '/x' });
    const [hd, pl, sg] = jws.split('.') as [string, string, string];
    expect(packJws(nodeSuite, `${hd}.${pl}.${sg}=`)).toBeNull();
    // The last symbol of a 64-byte signature carries 2 spare bits: set, the text is not canonical.
    const last = sg.at(-1)!;
    const other = 'AQgw'.includes(last) ? String.fromCharCode(last.charCodeAt(0) + 1) : last;
    if (other !== last) expect(packJws(nodeSuite, `${hd}.${pl}.${sg.slice(0, -1)}${other}`)).toBeNull();
    expect(packJws(nodeSuite, `${hd}.${pl}`)).toBeNull();
    expect(packHash('A'.repeat(42))).toBeNull();
    expect(packHash('A'.repeat(42) + 'B')).toBeNull(); // spare bits set
    expect(packHash('A'.repeat(43))).toHaveLength(32);
  });

  it('a sealed record packs to its key id, index, IV, ciphertext and tag, and its header is rebuilt only for its own place', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const doc = await signDocument(await generateKey(), 'ordo-rx+jwt', rxPayload('10001234567', Date.now()));
    const jwe = await seal(nodeSuite, key, doc, { kid: 'tk-1', rx: 'RX0000000000000A', idx: 0, doc: 'rx' });
    const packed = packJwe(jwe, { rx: 'RX0000000000000A', doc: 'rx' })!;
    expect(packed.length).toBeLessThan(doc.length * 0.4);
    expect(unpackJwe(packed, { rx: 'RX0000000000000A', doc: 'rx' })).toBe(jwe);
    expect(await open(nodeSuite, key, jwe, { kid: 'tk-1', rx: 'RX0000000000000A', idx: 0, doc: 'rx' })).toBe(doc);
    // Another row's record: its rebuilt header is this row's, and GCM refuses it.
    expect(packJwe(jwe, { rx: 'RX0000000000000B', doc: 'rx' })).toBeNull();
    const moved = unpackJwe(packed, { rx: 'RX0000000000000B', doc: 'rx' });
    await expect(open(nodeSuite, key, moved, { kid: 'tk-1', rx: 'RX0000000000000B', idx: 0, doc: 'rx' })).rejects.toThrow();
  });

  it('a receipt splits into its signer, its claimedUntil and its signature only if it rebuilds exactly', async () => {
    const signer = { alg: 'EdDSA' as const, kid: 'k'.repeat(43), iss: ISSUER };
    const evt = { index: 1, type: 'claimed', at: '2026-11-28T10:00:00.000Z', claim: 'c', hash: 'h', prevHash: 'p' };
    const sig = crypto.getRandomValues(new Uint8Array(64));
    const receipt = buildReceipt(signer, 'RX', { ...evt, claimedUntil: '2026-11-28T10:10:00.000Z' }, 1795000000, sig);
    expect(splitReceipt(receipt, 'RX', evt, 1795000000)).toEqual({ signer, claimedUntil: '2026-11-28T10:10:00.000Z', signature: sig });
    expect(splitReceipt(receipt, 'RX', evt, 1795000001)).toBeNull();
    expect(splitReceipt(receipt, 'RY', evt, 1795000000)).toBeNull();
    const [hd, , sg] = receipt.split('.');
    const extra = base64url.encode(new TextEncoder().encode(JSON.stringify({ evt, iss: ISSUER, sub: 'RX', iat: 1795000000, extra: 1 })));
    expect(splitReceipt(`${hd}.${extra}.${sg}`, 'RX', evt, 1795000000)).toBeNull();
  });
});

describe('a real trace, stored', () => {
  it('is stored packed and read back exactly as it was recorded', async () => {
    const rx = await issue(h, doctor);
    const first = await claim(h, pharmacy, rx.code);
    const r = await release(h, pharmacy, rx.id, first.body.claim.id, 'patient could not pay');
    expect(r.status).toBe(200);
    const c = await claim(h, pharmacy, rx.code);
    const d = await dispense(h, pharmacy, rx.id, c.body.claim.id, [{ item: 0, quantity: 1 }]);
    expect(d.status).toBe(201);
    expect((await cancel(h, doctor, rx.id)).status).toBe(200);
    const rows = h.db.prepare('select * from events where prescription_id = ? order by idx').all(rx.id) as Record<string, unknown>[];
    expect(rows.map((r) => r.type)).toEqual(['issued', 'claimed', 'released', 'claimed', 'dispensed', 'cancelled']);
    for (const r of rows) {
      expect(typeof r.at, `${r.type} at`).toBe('number');
      expect(Buffer.isBuffer(r.actor) || r.actor === '"ordo"', `${r.type} actor`).toBe(true);
      expect(Buffer.isBuffer(r.proof), `${r.type} proof`).toBe(true);
      expect(r.prev_hash, `${r.type} prev_hash`).toBeNull();
      expect((r.hash as Buffer).length).toBe(32);
      expect(r.receipt, `${r.type} receipt`).toBeNull();
      expect((r.receipt_sig as Buffer).length).toBe(64);
      // A request token's proof hash is the hash of the proof: not stored; a sealed document's is.
      expect(r.proof_hash === null, `${r.type} proof_hash`).toBe(r.type !== 'issued' && r.type !== 'dispensed');
    }
    expect(rows[3]!.claimed_until).toBe(Date.parse(c.body.claim.expiresAt));
    // Read back: the receipts answered, the documents signed, the chain as hashed.
    const events = await h.deps.store.getEvents(rx.id);
    expect(events[0]!.receipt).toBe(rx.receipt);
    expect(events[1]!.receipt).toBe(first.body.receipt);
    expect(events[3]!.receipt).toBe(c.body.receipt);
    expect(events[4]!.receipt).toBe(d.body.receipt);
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(await h.deps.store.getEvent(rx.id, 4)).toEqual(events[4]);
    const look = await lookupByCode(h, rx.code);
    expect(look.body.prescription.document).toBe(rx.jws);
    expect(await verifyLookup(h, look.body)).toMatchObject({ ok: true });
  });

  it('keeps as it is what would not pack, and reads it back the same', async () => {
    const rx = await issue(h, doctor);
    const [e] = await h.deps.store.getEvents(rx.id);
    const { seq, ...recorded } = e!;
    const odd: NewEvent = { ...recorded, at: '2026-11-28T10:00:00Z', actor: '{"kind":"prescriber","id":"x","kid":"y"}', receipt: 'not.a.receipt', prevHash: 'Z'.repeat(43) };
    const stored = packEvent(nodeSuite, odd, 'A'.repeat(43), receiptSplitOf(odd), () => 1);
    expect([stored.at, stored.actor, stored.receipt]).toEqual([odd.at, odd.actor, 'not.a.receipt']);
    const [back] = await unpackEvents(nodeSuite, [{ ...stored, seq } as StoredEvent], async () => ({ alg: 'EdDSA', kid: 'k', iss: ISSUER }));
    const { seq: _seq, ...read } = back!;
    expect(read).toEqual(odd);
  });
});

const DICTIONARY_SHA256 = '2728585c5f72fac78dc0e8a062c90e2b1dbbfca82689bb574c33dc500a351d94';
