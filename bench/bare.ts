/**
 * The limit: a bare `node:http` server doing only the unavoidable work of each flow, for
 * `ratio = Ordo / bare`. It speaks the same HTTP as Ordo for the routes the benchmark drives, so
 * one driver measures both; the same schema and durability (WAL, synchronous = FULL), and group
 * commit as Ordo does (one flush for the writes of one turn of the event loop).
 *
 * Per flow, exactly what cannot be skipped:
 * - every request token: parse, Ed25519 verify against the directory key, aud/htm/htu/exp/bdh,
 *   jti recorded in the same transaction as the step;
 * - issue: verify the document's signature, canonical JSON + HMAC (the retry key), id and code
 *   HMAC, HKDF + AES-256-GCM seal, event hash, receipt signature, three inserts;
 * - claim: code HMAC check, conditional update + event + token, receipt, open the document;
 * - dispense: verify the record, seal it, update + event + record + token, receipt;
 * - release / cancel: update + event + token, receipt (the cancel reason sealed);
 * - lookup: code HMAC check, read the events, open every sealed proof.
 * No validation beyond that, no framework, no ORM: node:crypto and prepared statements.
 * Run as a child process: `node --import tsx bench/bare.ts` with PORT, ORDO_DB, BARE_STATE.
 */
import { base32crockford } from '@scure/base';
import Database from 'better-sqlite3';
import canonicalize from 'canonicalize';
import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, hkdfSync, randomBytes, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { openSqlite } from '../src/store/sqlite.js';
import { nodeSuite } from '../src/node/crypto-suite.js';

const root = join(import.meta.dirname, '..');
const ISSUER = process.env.ORDO_ISSUER!;
const state = JSON.parse(process.env.BARE_STATE!) as { signingJwk: Record<string, string>; tokenKey: string; kid: string };
const signingKey = createPrivateKey({ key: state.signingJwk, format: 'jwk' });
const tokenKey = Buffer.from(state.tokenKey, 'base64url');
const tokenKeyId = 'bare';

openSqlite(process.env.ORDO_DB!, { migrationsFolder: join(root, 'drizzle'), packer: nodeSuite }).db.close();
const db = new Database(process.env.ORDO_DB!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');

const q = {
  key: db.prepare('SELECT jwk FROM actor_keys WHERE actor_id = ? AND kid = ? AND revoked_at IS NULL'),
  addActor: db.prepare("INSERT INTO actors (id, kind, name, status, created_at) VALUES (?, ?, ?, 'active', ?)"),
  addKey: db.prepare('INSERT INTO actor_keys (actor_id, kid, jwk, alg, added_at) VALUES (?, ?, ?, ?, ?)'),
  token: db.prepare('INSERT INTO request_tokens (iss, jti, expires_at) VALUES (?, ?, ?)'),
  rx: db.prepare('SELECT * FROM prescriptions WHERE id = ?'),
  insertRx: db.prepare(`INSERT INTO prescriptions (id, prescriber_id, doc_jti, doc_mac, status, version, head_hash, code_version, token_key_id, issued_at, valid_until, expires_at, item_count, terms, progress, updated_at)
    VALUES (@id, @prescriberId, @docJti, @docMac, 'active', 0, @hash, 1, @tokenKeyId, @at, @validUntil, @expiresAt, @itemCount, @terms, @progress, @at)`),
  update: db.prepare(`UPDATE prescriptions SET status = @status, version = @version, head_hash = @hash, progress = @progress, claim_id = @claimId, claim_pharmacy = @claimPharmacy,
    claim_expires_at = @claimExpiresAt, claim_ttl = @claimTtl, cancel_reason = @cancelReason, updated_at = @at WHERE id = @id AND version = @expected`),
  event: db.prepare(`INSERT INTO events (prescription_id, idx, seq, type, at, actor, claim, proof, proof_hash, prev_hash, hash, receipt)
    VALUES (@id, @idx, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events), @type, @at, @actor, @claim, @proof, @proofHash, @prevHash, @hash, @receipt)`),
  events: db.prepare('SELECT * FROM events WHERE prescription_id = ? ORDER BY idx'),
  event0: db.prepare('SELECT proof FROM events WHERE prescription_id = ? AND idx = 0'),
  dispensation: db.prepare('INSERT INTO dispensations (pharmacy_id, jti, prescription_id, idx, mac, answer) VALUES (?, ?, ?, ?, ?, ?)'),
};

class Refused extends Error {
  constructor(readonly status: number, readonly code: string) {
    super(code);
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha = (s: string | Uint8Array) => createHash('sha256').update(s).digest();
const mac = (label: string, data: string) => b64(createHmac('sha256', tokenKey).update(`ordo/${label}/v1\0${data}`).digest());
const keys = new Map<string, KeyObject>();

/** Verifies a compact Ed25519 JWS with the directory key of (iss, kid); returns its payload. */
function verifyJws(jws: string, typ: string, iss?: string): Record<string, any> {
  const [h, p, s] = jws.split('.');
  if (!h || !p || !s) throw new Refused(401, 'unauthenticated');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  if (header.typ !== typ || header.alg !== 'EdDSA') throw new Refused(401, 'unauthenticated');
  const actor = iss ?? payload.iss;
  const cacheKey = `${actor}\0${header.kid}`;
  let key = keys.get(cacheKey);
  if (!key) {
    const row = q.key.get(actor, header.kid) as { jwk: string } | undefined;
    if (!row) throw new Refused(401, 'unauthenticated');
    key = createPublicKey({ key: JSON.parse(row.jwk), format: 'jwk' });
    keys.set(cacheKey, key);
  }
  if (!verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) throw new Refused(401, 'unauthenticated');
  return { ...payload, kid: header.kid };
}

type Caller = { iss: string; kid: string; jti: string; exp: number; sub?: string; token: string };

function authenticate(req: IncomingMessage, path: string, body: Buffer): Caller {
  const token = req.headers.authorization?.slice(7) ?? '';
  const t = verifyJws(token, 'ordo-req+jwt');
  const now = Date.now() / 1000;
  if (t.aud !== ISSUER || t.htm !== req.method || t.htu !== path || t.exp < now || t.iat > now + 60) throw new Refused(401, 'unauthenticated');
  if (body.length > 0 && t.bdh !== b64(sha(body))) throw new Refused(401, 'unauthenticated');
  return { iss: t.iss, kid: t.kid, jti: t.jti, exp: t.exp, sub: t.sub, token };
}

function receipt(sub: string, evt: Record<string, unknown>): string {
  const h = b64(Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: state.kid, typ: 'ordo-receipt+jwt' })));
  const p = b64(Buffer.from(JSON.stringify({ evt, iss: ISSUER, sub, iat: Math.floor(Date.now() / 1000) })));
  return `${h}.${p}.${b64(sign(null, Buffer.from(`${h}.${p}`), signingKey))}`;
}

const codeV = (id: Uint8Array, n: number) => {
  const m = Buffer.alloc(14);
  m.set(id);
  m.writeUInt32BE(n, 10);
  return createHmac('sha256', tokenKey).update(m).digest().subarray(0, 15);
};
const contentKey = (v: Uint8Array, id: Uint8Array) => Buffer.from(hkdfSync('sha256', v, id, 'ordo/content/v1', 32));

function seal(key: Buffer, text: string, rx: string, idx: number, doc: string): string {
  const header = b64(Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: tokenKeyId, 'ordo:rx': rx, 'ordo:idx': idx, 'ordo:doc': doc })));
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(header));
  const ct = Buffer.concat([c.update(text), c.final()]);
  return `${header}..${b64(iv)}.${b64(ct)}.${b64(c.getAuthTag())}`;
}

function open(key: Buffer, jwe: string): string {
  const [header, , iv, ct, tag] = jwe.split('.');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv!, 'base64url')).setAAD(Buffer.from(header!)).setAuthTag(Buffer.from(tag!, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(ct!, 'base64url')), d.final()]).toString();
}

/** The code (40 symbols, check optional) → id and v, checked in constant time. */
function resolveCode(text: string) {
  const symbols = text.replace(/^ORDO1:/i, '').replace(/[-\s]/g, '').toUpperCase().slice(0, 40);
  const bytes = base32crockford.decode(symbols);
  const id = bytes.subarray(0, 10);
  const rx = q.rx.get(base32crockford.encode(id)) as Record<string, any> | undefined;
  const v = codeV(id, rx?.code_version ?? 1);
  if (!timingSafeEqual(v, bytes.subarray(10)) || !rx) throw new Refused(404, 'not_found');
  return { rx, id, v };
}

type Ev = { id: string; idx: number; type: string; at: string; actor: string; claim: string | null; proof: string | null; proofSigned: string; prevHash: string };
function eventRow(e: Ev) {
  const proofHash = b64(sha(e.proofSigned));
  const hash = b64(sha(canonicalize({ prescriptionId: e.id, index: e.idx, type: e.type, at: e.at, actor: JSON.parse(e.actor), claim: e.claim, proofHash, prevHash: e.prevHash })!));
  return { ...e, proofHash, hash, receipt: receipt(e.id, { index: e.idx, type: e.type, at: e.at, claim: e.claim, hash, prevHash: e.prevHash }) };
}

/**
 * Group commit, as Ordo does: the writes that arrive during one turn of the event loop share one
 * transaction and so one flush, each in its own savepoint (a conflict rolls back its own write
 * only); each is answered once the shared commit has returned.
 */
type Job = { fn: () => void; resolve: () => void; reject: (err: unknown) => void; failed?: unknown };
let batch: Job[] = [];
const writeBatch = db.transaction((jobs: Job[]) => {
  for (const job of jobs) {
    try {
      db.transaction(job.fn)();
    } catch (err) {
      job.failed = err ?? new Error('failed');
    }
  }
});
function flush() {
  const jobs = batch;
  batch = [];
  try {
    writeBatch(jobs);
  } catch (err) {
    for (const job of jobs) job.reject(err);
    return;
  }
  for (const job of jobs) if (job.failed === undefined) job.resolve();
  else job.reject(job.failed);
}
const commit = (fn: () => void) =>
  new Promise<void>((resolve, reject) => {
    batch.push({ fn, resolve, reject });
    if (batch.length === 1) setImmediate(flush);
  });

async function transition(rx: Record<string, any>, caller: Caller, o: { type: string; status: string; claim: string | null; proof: string | null; proofSigned: string; progress?: string; claimExpiresAt?: number | null; claimTtl?: number | null; cancelReason?: string | null; extra?: () => void }) {
  const at = new Date().toISOString();
  const idx = rx.version + 1;
  const e = eventRow({ id: rx.id, idx, type: o.type, at, actor: JSON.stringify({ id: caller.iss, kind: 'pharmacy', kid: caller.kid }), claim: o.claim, proof: o.proof, proofSigned: o.proofSigned, prevHash: rx.head_hash });
  await commit(() => {
    const r = q.update.run({
      id: rx.id, expected: rx.version, version: idx, status: o.status, hash: e.hash, progress: o.progress ?? rx.progress, at,
      claimId: o.status === 'claimed' ? o.claim : null, claimPharmacy: o.status === 'claimed' ? caller.iss : null,
      claimExpiresAt: o.claimExpiresAt ?? null, claimTtl: o.claimTtl ?? null, cancelReason: o.cancelReason ?? rx.cancel_reason,
    });
    if (r.changes !== 1) throw new Refused(409, 'conflict');
    q.event.run({ ...e, proofSigned: undefined });
    q.token.run(caller.iss, caller.jti, caller.exp);
    o.extra?.();
  });
  return e;
}

type Answer = [number, unknown] | Promise<[number, unknown]>;
const routes: Record<string, (req: IncomingMessage, path: string, body: Buffer) => Answer> = {
  'POST /v1/admin/actors': async (_req, _path, body) => {
    const a = JSON.parse(body.toString());
    const jwk = a.keys[0];
    const kid = b64(sha(`{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`));
    await commit(() => {
      q.addActor.run(a.id, a.kind, a.name, new Date().toISOString());
      q.addKey.run(a.id, kid, JSON.stringify(jwk), 'EdDSA', new Date(Date.now() - 1000).toISOString());
    });
    return [201, { id: a.id }];
  },

  'POST /v1/prescriptions': async (req, path, body) => {
    const caller = authenticate(req, path, body);
    const { prescription } = JSON.parse(body.toString());
    const doc = verifyJws(prescription, 'ordo-rx+jwt', caller.iss);
    const { kid: _kid, ...payload } = doc;
    const docMac = mac('rx', canonicalize(payload)!);
    const id = randomBytes(10);
    const idText = base32crockford.encode(id);
    const v = codeV(id, 1);
    const at = new Date().toISOString();
    const e = eventRow({ id: idText, idx: 0, type: 'issued', at, actor: JSON.stringify({ id: caller.iss, kind: 'prescriber', kid: doc.kid }), claim: null, proof: seal(contentKey(v, id), prescription, idText, 0, 'rx'), proofSigned: prescription, prevHash: 'A'.repeat(43) });
    const items = payload.items as { quantity: number }[];
    const validUntil = new Date(Date.now() + 90 * 86400_000).toISOString().slice(0, 10);
    await commit(() => {
      q.insertRx.run({
        id: idText, prescriberId: caller.iss, docJti: payload.jti, docMac, hash: e.hash, tokenKeyId, at, validUntil, expiresAt: Date.parse(validUntil) + 86400_000, itemCount: items.length,
        terms: JSON.stringify(items.map((i) => ({ quantity: i.quantity, total: i.quantity, supplyDays: null, substitutable: true }))),
        progress: JSON.stringify(items.map(() => ({ dispensed: 0, firstAt: null }))),
      });
      q.event.run({ ...e, proofSigned: undefined });
      q.token.run(caller.iss, caller.jti, caller.exp);
    });
    const symbols = base32crockford.encode(Buffer.concat([id, v]));
    return [201, { id: idText, code: symbols, payload: `ORDO1:${symbols}`, status: 'active', validUntil, receipt: e.receipt }];
  },

  'POST /v1/claims': async (req, path, body) => {
    const caller = authenticate(req, path, body);
    const { code, ttl = 600 } = JSON.parse(body.toString());
    const { rx, id, v } = resolveCode(code);
    if (rx.status !== 'active') throw new Refused(409, 'claimed_elsewhere');
    const claimId = b64(randomBytes(16));
    const expiresAt = Date.now() + ttl * 1000;
    const e = await transition(rx, caller, { type: 'claimed', status: 'claimed', claim: claimId, proof: caller.token, proofSigned: caller.token, claimExpiresAt: expiresAt, claimTtl: ttl });
    const document = open(contentKey(v, id), (q.event0.get(rx.id) as { proof: string }).proof);
    const content = JSON.parse(Buffer.from(document.split('.')[1]!, 'base64url').toString());
    const remaining = JSON.parse(rx.terms).map((t: { total: number }, n: number) => ({ item: n, total: t.total, dispensed: JSON.parse(rx.progress)[n].dispensed, remaining: t.total - JSON.parse(rx.progress)[n].dispensed }));
    return [201, { claim: { id: claimId, expiresAt: new Date(expiresAt).toISOString() }, prescription: { id: rx.id, document, content, remaining, status: 'claimed' }, receipt: e.receipt }];
  },

  'POST /v1/lookup': (_req, _path, body) => {
    const { code } = JSON.parse(body.toString());
    const { rx, id, v } = resolveCode(code);
    const key = contentKey(v, id);
    const events = (q.events.all(rx.id) as Record<string, any>[]).map((e) => ({
      index: e.idx, type: e.type, at: e.at, actor: JSON.parse(e.actor), claim: e.claim, proofHash: e.proof_hash, prevHash: e.prev_hash, hash: e.hash, receipt: e.receipt,
      proof: e.proof && (e.type === 'issued' || e.type === 'dispensed') ? open(key, e.proof) : e.proof,
    }));
    return [200, { prescription: { id: rx.id, content: JSON.parse(Buffer.from(events[0]!.proof!.split('.')[1]!, 'base64url').toString()) }, status: rx.status, events }];
  },
};

async function claimRoute(req: IncomingMessage, path: string, body: Buffer): Promise<[number, unknown]> {
  const [, , , claimId, action] = path.split('/');
  const caller = authenticate(req, path, body);
  const rx = q.rx.get(caller.sub) as Record<string, any> | undefined;
  if (!rx || rx.claim_id !== claimId || rx.claim_pharmacy !== caller.iss) throw new Refused(409, 'claim_ended');
  if (action === 'release') {
    const e = await transition(rx, caller, { type: 'released', status: 'active', claim: claimId!, proof: caller.token, proofSigned: caller.token });
    return [200, { status: 'active', receipt: e.receipt }];
  }
  const { dispensation } = JSON.parse(body.toString());
  const record = verifyJws(dispensation, 'ordo-dispense+jwt', caller.iss);
  const { kid: _kid, ...payload } = record;
  const recordMac = mac('dispense', canonicalize(payload)!);
  const progress = JSON.parse(rx.progress) as { dispensed: number; firstAt: string | null }[];
  const terms = JSON.parse(rx.terms) as { total: number }[];
  for (const line of payload.lines as { item: number; quantity: number }[]) {
    const p = progress[line.item]!;
    if (p.dispensed + line.quantity > terms[line.item]!.total) throw new Refused(422, 'over_dispense');
    p.dispensed += line.quantity;
  }
  const remaining = terms.map((t, n) => ({ item: n, total: t.total, dispensed: progress[n]!.dispensed, remaining: t.total - progress[n]!.dispensed }));
  const status = remaining.every((r) => r.remaining === 0) ? 'completed' : 'active';
  const id = base32crockford.decode(rx.id);
  const key = contentKey(codeV(id, rx.code_version), id);
  const answer = JSON.stringify({ status, remaining, nextDueAt: null });
  const e = await transition(rx, caller, {
    type: 'dispensed', status, claim: claimId!, proof: seal(key, dispensation, rx.id, rx.version + 1, 'dispense'), proofSigned: dispensation, progress: JSON.stringify(progress),
    extra: () => q.dispensation.run(caller.iss, payload.jti, rx.id, rx.version + 1, recordMac, answer),
  });
  return [201, { status, remaining, nextDueAt: null, receipt: e.receipt }];
}

async function cancelRoute(req: IncomingMessage, path: string, body: Buffer): Promise<[number, unknown]> {
  const caller = authenticate(req, path, body);
  const rx = q.rx.get(path.split('/')[3]) as Record<string, any> | undefined;
  if (!rx || rx.prescriber_id !== caller.iss) throw new Refused(404, 'not_found');
  // The signed body (reason and salt) is what is sealed, as Ordo does.
  if (typeof JSON.parse(body.toString()).reason !== 'string') throw new Refused(400, 'bad_request');
  const id = base32crockford.decode(rx.id);
  const key = contentKey(codeV(id, rx.code_version), id);
  const e = await transition(rx, caller, { type: 'cancelled', status: 'cancelled', claim: null, proof: caller.token, proofSigned: caller.token, cancelReason: seal(key, body.toString(), rx.id, rx.version + 1, 'cancel') });
  return [200, { status: 'cancelled', receipt: e.receipt }];
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const path = req.url!.split('?')[0]!;
    const answer = async (): Promise<[number, unknown]> => {
      const body = Buffer.concat(chunks);
      const route = routes[`${req.method} ${path}`];
      if (route) return route(req, path, body);
      if (req.method === 'POST' && /^\/v1\/claims\/[^/]+\/(dispense|release)$/.test(path)) return claimRoute(req, path, body);
      if (req.method === 'POST' && /^\/v1\/prescriptions\/[^/]+\/cancel$/.test(path)) return cancelRoute(req, path, body);
      if (path === '/healthz') return [200, { status: 'ok' }];
      return [404, { code: 'not_found' }];
    };
    answer()
      .catch((err: unknown): [number, unknown] => (err instanceof Refused ? [err.status, { code: err.code }] : [500, { code: 'internal', detail: String(err) }]))
      .then(([status, out]) => {
        const text = JSON.stringify(out);
        res.writeHead(status, { 'content-type': status < 400 ? 'application/json' : 'application/problem+json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
