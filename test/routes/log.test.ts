/**
 * The transparency log through the app, on SQLite and on PostgreSQL: events become leaves in seq
 * order, a signed checkpoint commits to them, the tiles and entry bundles served are the tree the
 * checkpoint names, and the proofs Ordo serves are the ones a client computes from those tiles.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { openCheckpoint } from '../../src/log/checkpoint.js';
import { decodeBase64, noteVerifier } from '../../src/log/note.js';
import { leafHash, treeRoot, verifyConsistency, verifyInclusion } from '../../src/log/merkle.js';
import { decodeEntryBundle, tilePath, tileReader, type Tile } from '../../src/log/tiles.js';
import { integrate } from '../../src/service/log/integrate.js';
import { logTurn } from '../../src/service/log/turn.js';
import { startTsa } from '../support/tsa.js';
import { decodeBase64url } from '../../src/lib/base64url.js';
import { exportTrace, verifyEvidence } from '../../src/client/bundle.js';
import { OrdoClient } from '../../src/client/client.js';
import { noteSigner, verifierKeyOf } from '../../src/log/note.js';
import { issue, makeHarness, type Harness } from '../support/harness.js';
import { claim, dispense } from '../support/redeem.js';

const h256 = (d: Uint8Array) => nodeSuite.sha256(d);

async function text(h: Harness, path: string) {
  const res = await h.send('GET', path);
  return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('cache-control'), body: await res.text() };
}
async function bytes(h: Harness, path: string) {
  const res = await h.send('GET', path);
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
}

/** The tree of `size` read only through the tile URLs, as any tile client would. */
function tilesOver(h: Harness, size: number) {
  return tileReader(h256, size, async (level, index) => {
    const width = Math.min(256, Math.floor(size / 256 ** level) - index * 256);
    if (width <= 0) return undefined;
    const r = await bytes(h, `/log/${tilePath(level, index, width)}`);
    expect(r.status).toBe(200);
    return { level, index, hashes: r.body } satisfies Tile;
  });
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('on %s', (_, postgres) => {
  it('publishes a signed checkpoint of every event, its tiles, entries and proofs', async () => {
    const h = await makeHarness({ postgres });
    try {
      expect((await text(h, '/log/checkpoint')).status).toBe(404);
      const doctor = await h.addActor('prescriber');
      const pharmacy = await h.addActor('pharmacy');
      const rx = await issue(h, doctor);
      const claimed = await claim(h, pharmacy, rx.code);
      expect(claimed.status).toBe(201);
      const first = await integrate(h.deps);
      expect(first).toMatchObject({ size: 2, added: 2 });
      await dispense(h, pharmacy, rx.id, claimed.body.claim.id, [{ item: 0, quantity: 1 }]);
      for (let i = 0; i < 3; i++) await issue(h, doctor);
      expect(await integrate(h.deps)).toMatchObject({ size: 6, added: 4 });
      expect(await integrate(h.deps)).toBeUndefined();

      // The checkpoint verifies with the published key, and names the origin.
      const key = await text(h, '/.well-known/ordo-log-key');
      expect(key.body).toMatch(/^localhost:\d+\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{43}=\n$|^ordo\.test\/log\+/);
      const cp = await text(h, '/log/checkpoint');
      expect([cp.status, cp.type, cp.cache]).toEqual([200, 'text/plain; charset=UTF-8', 'no-cache']);
      const opened = await openCheckpoint(nodeSuite, cp.body, [await noteVerifier(nodeSuite, key.body.trim())]);
      if (!opened.ok) throw new Error(opened.reason);
      expect(opened.checkpoint.size).toBe(6);

      // The tiles served give the checkpoint's root; the entries are the events' hashes in seq order.
      expect(await treeRoot(h256, 6, tilesOver(h, 6))).toEqual(opened.checkpoint.root);
      const entries = decodeEntryBundle((await bytes(h, '/log/tile/entries/000.p/6')).body)!;
      const events = await h.rows<{ seq: number; hash: Uint8Array | string }>('SELECT seq, hash FROM events ORDER BY seq');
      expect(entries).toHaveLength(6);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      // Tiles and bundles beyond the checkpoint are not served; full tiles are cacheable for good.
      expect((await bytes(h, '/log/tile/0/000.p/7')).status).toBe(404);
      expect((await bytes(h, '/log/tile/0/000')).status).toBe(404);
      expect((await bytes(h, '/log/tile/entries/000.p/7')).status).toBe(404);
      expect((await bytes(h, '/log/tile/0/00')).status).toBe(404);
      expect((await text(h, '/log/tile/0/000.p/6')).cache).toBe('public, max-age=31536000, immutable');

      // Lookup names each event's leaf; each inclusion proof verifies against the checkpoint.
      const look = await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code: rx.code }) });
      const trace = (await look.json()) as { events: { seq: number; hash: string; leafIndex?: number }[] };
      expect(trace.events.map((e) => e.leafIndex)).toEqual(trace.events.map((e) => e.seq - 1));
      for (const e of trace.events) {
        const leaf = leafHash(h256, decodeBase64url(e.hash));
        expect(entries[e.leafIndex!]).toEqual(decodeBase64url(e.hash));
        const r = await h.send('GET', `/log/proof/inclusion?index=${e.leafIndex}`);
        const p = (await r.json()) as { index: number; size: number; proof: string[] };
        expect(p.size).toBe(6);
        expect(verifyInclusion(h256, e.leafIndex!, 6, leaf, p.proof.map((x) => decodeBase64(x)!), opened.checkpoint.root)).toBe(true);
      }
      // The claim answer names the issued event's leaf.
      expect(claimed.body.prescription.issuedEvent).toEqual({ hash: trace.events[0]!.hash });

      // Consistency from the first checkpoint, proven from the served proof and from the kept checkpoint.
      const old = (await (await h.send('GET', '/log/checkpoints/2')).json()) as { size: number; checkpoint: string; signedAt: string };
      const oldOpened = await openCheckpoint(nodeSuite, old.checkpoint, [await noteVerifier(nodeSuite, key.body.trim())]);
      if (!oldOpened.ok) throw new Error(oldOpened.reason);
      const c = (await (await h.send('GET', '/log/proof/consistency?from=2')).json()) as { proof: string[] };
      expect(verifyConsistency(h256, 2, 6, oldOpened.checkpoint.root, opened.checkpoint.root, c.proof.map((x) => decodeBase64(x)!))).toBe(true);

      // The evidence bundle carries a C2SP tlog-proof per event, checked offline against the log key.
      const ordo = new OrdoClient({ url: 'https://ordo.test', fetch: ((u: string, init?: RequestInit) => h.app.request(new URL(u).pathname + new URL(u).search, init)) as typeof fetch });
      const bundle = await exportTrace(ordo, rx.code);
      expect(bundle.log?.proofs.map((p) => p.event)).toEqual([0, 1, 2]);
      expect(bundle.log?.proofs[0]!.tlogProof).toMatch(/^c2sp\.org\/tlog-proof@v1\nindex 0\n/);
      expect(await verifyEvidence(bundle, [], { key: key.body.trim() })).toEqual({ ok: true, events: 3, log: { ok: true, included: 3, pending: 0, size: 6 } });
      const otherKey = verifierKeyOf(nodeSuite, await noteSigner(nodeSuite, opened.checkpoint.origin, await nodeSuite.ed25519FromSeed(new Uint8Array(32))));
      expect(await verifyEvidence(bundle, [], { key: otherKey })).toMatchObject({ ok: false, index: 0, check: 'log', message: expect.stringMatching(/not signed by the log key/) });
      // A proof that leads elsewhere (a hash of the path flipped) is refused, naming the event.
      const bent = structuredClone(bundle);
      bent.log!.proofs[1]!.tlogProof = bent.log!.proofs[1]!.tlogProof.replace(/\nindex 1\n(.)/, (_m, c: string) => `\nindex 1\n${c === 'A' ? 'B' : 'A'}`);
      expect(await verifyEvidence(bent, [], { key: key.body.trim() })).toMatchObject({ ok: false, index: 1, check: 'log', message: expect.stringMatching(/not in the log/) });
      // An event rewritten in the bundle no longer matches its leaf (the trace check catches it first).
      const dropped = structuredClone(bundle);
      dropped.log!.proofs.splice(2, 1);
      expect(await verifyEvidence(dropped, [], { key: key.body.trim() })).toMatchObject({ ok: true, log: { included: 2, pending: 1 } });

      // Bad proof requests are the client's: 400 or 404 with a problem, never a 500.
      for (const [path, status] of [
        ['/log/proof/inclusion?index=6', 400], ['/log/proof/inclusion?index=0&size=7', 404], ['/log/proof/inclusion?index=x', 400],
        ['/log/proof/inclusion', 400], ['/log/proof/consistency?from=7', 400], ['/log/proof/consistency?from=1&size=99', 404],
        ['/log/checkpoints/5', 404], ['/log/checkpoints/-1', 400], ['/log/proof/inclusion?index=1&extra=1', 400],
      ] as const) {
        const r = await h.send('GET', path);
        expect([path, r.status, r.headers.get('content-type')]).toEqual([path, status, 'application/problem+json']);
      }
    } finally {
      await h.close();
    }
  });
});

describe('an independent clock', () => {
  it('has every checkpoint timestamped by the configured RFC 3161 TSA; the bundle proves when the events existed at the latest', async () => {
    const tsa = await startTsa({ keyType: 'ec' });
    const other = await startTsa({ name: 'other' });
    const h = await makeHarness({ env: { ORDO_LOG_TSA: tsa.url, ORDO_LOG_TSA_CERT: tsa.caPem } });
    try {
      const doctor = await h.addActor('prescriber');
      // The TSA down: the checkpoint is kept without a token, said in the log, and stamped at the next retry.
      tsa.answer('http500');
      const rx = await issue(h, doctor);
      await logTurn(h.deps);
      expect((await h.store.log.head())?.timestamp).toBeUndefined();
      expect(h.logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'log checkpoint not timestamped', size: 1 }));
      tsa.answer('grant');
      await logTurn(h.deps, { retry: true });
      const record = (await (await h.send('GET', '/log/checkpoints/1')).json()) as { timestamp?: string };
      expect(record.timestamp).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect((await text(h, '/log/tsa.pem')).body).toContain('-----BEGIN CERTIFICATE-----');

      const ordo = new OrdoClient({ url: 'https://ordo.test', fetch: ((u: string, init?: RequestInit) => h.app.request(new URL(u).pathname + new URL(u).search, init)) as typeof fetch });
      const bundle = await exportTrace(ordo, rx.code);
      const result = await verifyEvidence(bundle);
      expect(result).toMatchObject({ ok: true, log: { included: 1, existedBy: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
      const by = Date.parse((result as { log: { existedBy: string } }).log.existedBy);
      expect(Math.abs(by - Date.now())).toBeLessThan(60_000);
      // Trusting another TSA, or a token for another checkpoint, proves nothing.
      expect(await verifyEvidence(bundle, [], { tsa: [other.caPem] })).toMatchObject({ ok: false, check: 'log', message: expect.stringMatching(/RFC 3161 timestamp does not verify/) });
      const stale = structuredClone(bundle);
      await issue(h, doctor);
      await logTurn(h.deps);
      stale.log!.timestamp = ((await (await h.send('GET', '/log/checkpoints/2')).json()) as { timestamp: string }).timestamp;
      expect(await verifyEvidence(stale)).toMatchObject({ ok: false, check: 'log' });
    } finally {
      await h.close();
      await tsa.stop();
      await other.stop();
    }
  });
});

describe('anything a client sends the log', () => {
  it('is answered below 500: arbitrary tile paths, sizes, indexes and query strings', async () => {
    const h = await makeHarness();
    try {
      const doctor = await h.addActor('prescriber');
      for (let i = 0; i < 3; i++) await issue(h, doctor);
      await integrate(h.deps);
      const segment = fc.oneof(fc.constantFrom('tile', 'entries', '0', '1', '63', '64', 'x001', '000', '255', '.p', 'p', '256', '-1', '%00', '..'), fc.string({ maxLength: 12 }).map(encodeURIComponent));
      const path = fc.oneof(
        fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => `/log/tile/${s.join('/')}`),
        fc.tuple(fc.constantFrom('inclusion', 'consistency'), fc.dictionary(fc.constantFrom('index', 'size', 'from', 'x'), fc.oneof(fc.integer().map(String), fc.constantFrom('1e3', '9007199254740993', '0x1', ' 1', ''), fc.string({ maxLength: 8 })))).map(
          ([k, q]) => `/log/proof/${k}?${new URLSearchParams(q).toString()}`,
        ),
        fc.oneof(fc.integer(), fc.string({ maxLength: 10 }).map(encodeURIComponent)).map((s) => `/log/checkpoints/${s}`),
      );
      await fc.assert(
        fc.asyncProperty(path, async (p) => {
          const r = await h.send('GET', p);
          expect(r.status, p).toBeLessThan(500);
          if (r.status >= 400) expect(r.headers.get('content-type'), p).toBe('application/problem+json');
        }),
        { numRuns: 300 },
      );
    } finally {
      await h.close();
    }
  });
});

describe('a seq missing', () => {
  it('stops integration before it, said in the log: no tree is signed without an event', async () => {
    const h = await makeHarness();
    try {
      const doctor = await h.addActor('prescriber');
      await issue(h, doctor);
      await issue(h, doctor);
      h.db.prepare('UPDATE events SET seq = 1000000000 WHERE seq = 2').run();
      expect(await integrate(h.deps)).toMatchObject({ size: 1, added: 1 });
      expect(h.logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'log integration stopped at a missing event', seq: 2 }));
      expect(await integrate(h.deps)).toBeUndefined();
      expect((await h.store.log.head())?.size).toBe(1);
    } finally {
      await h.close();
    }
  });
});
