/**
 * `npm run bench:certified`: what certified practitioners cost (docs/design.md § Certified
 * practitioners), on Ordo in-process over a SQLite file (createApp, the SDK over an in-process
 * fetch, as bench/preload.ts does), with the test PKI (test/support/pki.ts):
 *
 * - a signature check per algorithm through Node's suite (µs, median of --rounds rounds of 2,000):
 *   what a request token costs before anything else, EdDSA and ES256 (raw keys) against PS256
 *   and RS256 (RSA-2048, certified keys);
 * - a signed request end to end (GET /v1/prescriptions, ms, median of 500 after 100 warm-up) by a
 *   raw Ed25519 key and by a certified PS256 key: the certified key's extra checks (validity,
 *   the kept lists' dates, cached) on top of RSA's verify;
 * - an enrolment (POST /v1/enrol: the chain validated, the kept lists read, one atomic write);
 * - loading a CRL of --serials revoked certificates (a national CA's list is of that order) with
 *   --enrolled certified keys, one of them listed: the whole request (signature check, parse,
 *   one atomic write revoking the keys), its time and this process's heap (JS + external) when it
 *   answers and after a GC; then the first enrolment after it (which parses the kept list once
 *   per process).
 *
 *   node --import tsx bench/certified.ts [--serials 100000] [--enrolled 200] [--rounds 5]
 */
import 'reflect-metadata';
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { OrdoClient } from '../src/client/client.js';
import { generateKey, type SigningKey } from '../src/client/sign.js';
import { parseConfig } from '../src/config.js';
import { signJws, verifyJws } from '../src/crypto/suite/compact.js';
import type { KeyAlg } from '../src/crypto/suite/types.js';
import { generateSigningJwk, loadSigner, loadTokenKey } from '../src/crypto/ordo-keys.js';
import { deriveLogKey } from '../src/keys-config.js';
import { nodeSuite } from '../src/node/crypto-suite.js';
import { openSqlite } from '../src/store/sqlite.js';
import { makeTestPki, type TestLeaf } from '../test/support/pki.js';

const migrationsFolder = join(import.meta.dirname, '../drizzle');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function verifyMicros(rounds: number): Promise<Record<string, number>> {
  const jwkOf = async (params: AlgorithmIdentifier | RsaHashedKeyGenParams | EcKeyGenParams) => {
    const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
    return crypto.subtle.exportKey('jwk', pair.privateKey) as Promise<import('jose').JWK>;
  };
  const rsa = await jwkOf({ name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' });
  const keys: [KeyAlg, import('jose').JWK][] = [
    ['EdDSA', await jwkOf({ name: 'Ed25519' })],
    ['ES256', await jwkOf({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams)],
    ['PS256', rsa],
    ['RS256', rsa],
  ];
  const out: Record<string, number> = {};
  for (const [alg, jwk] of keys) {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _k, ext: _e, alg: _a, ...pub } = jwk;
    const priv = await nodeSuite.importPrivate(jwk, alg);
    const key = await nodeSuite.importPublic(pub, alg);
    const token = await signJws(nodeSuite, priv, { alg, kid: 'k', typ: 'ordo-req+jwt' }, { iss: 'x', iat: 1, htm: 'GET', htu: '/v1/prescriptions', jti: 'j' });
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 2000; i++) if (!(await verifyJws(nodeSuite, key, token))) throw new Error('does not verify');
      times.push(Number(process.hrtime.bigint() - t) / 2000 / 1000);
    }
    out[alg] = round(median(times));
  }
  return out;
}

async function main() {
  const o = new Command()
    .option('--serials <n>', 'certificates the CRL revokes', '100000')
    .option('--enrolled <n>', 'certified keys enrolled before the CRL is loaded', '200')
    .option('--rounds <n>', 'rounds of each measure', '5')
    .parse()
    .opts<{ serials: string; enrolled: string; rounds: string }>();
  const serials = Number(o.serials);
  const enrolled = Number(o.enrolled);
  const rounds = Number(o.rounds);

  console.log(`signature checks (µs, Node suite, median of ${rounds} × 2,000):`, await verifyMicros(rounds));

  const pki = await makeTestPki();
  const dir = mkdtempSync(join(tmpdir(), 'ordo-bench-certified-'));
  try {
    const { store } = openSqlite(join(dir, 'ordo.db'), { migrationsFolder, packer: nodeSuite });
    const adminToken = randomBytes(32).toString('base64url');
    const tokenKey = randomBytes(32);
    const app = createApp({
      store,
      crypto: nodeSuite,
      config: parseConfig({ ORDO_ISSUER: 'https://ordo.bench', ORDO_TRUST_ANCHORS: pki.anchorsText }),
      keys: { adminToken, signer: await loadSigner(await generateSigningJwk(), nodeSuite), retired: [], tokenKey: await loadTokenKey(tokenKey), logKey: await deriveLogKey(tokenKey, nodeSuite) },
      clock: Date.now,
      log: () => {},
      clientAddress: () => '127.0.0.1',
    });
    const fetch = (url: string | URL | Request, init?: RequestInit) => Promise.resolve(app.fetch(new Request(url, init)));
    const ordo = new OrdoClient({ url: 'https://ordo.bench', adminToken, fetch: fetch as typeof globalThis.fetch });
    for (const ca of ['root', 'prescriber', 'pharmacy'] as const) await ordo.loadCrl(await pki.crl(ca, []));

    const raw = { id: '10000000001', key: await generateKey() };
    await ordo.addActor({ id: raw.id, kind: 'prescriber', name: 'Dr Raw', keys: [raw.key.publicJwk] });
    const leaf = await pki.leaf({ id: '10000000002', key: 'rsa' });
    const certified = { id: '10000000002', key: pki.signingKey(leaf) as SigningKey };
    let t = performance.now();
    await ordo.as(certified).enrol({ kind: 'prescriber', x5c: leaf.x5c });
    console.log(`an enrolment (RSA-2048 leaf, empty lists): ${round(performance.now() - t)} ms`);

    const perRequest: Record<string, number> = {};
    for (const [name, who] of [['raw EdDSA', raw], ['certified PS256', certified]] as const) {
      const client = ordo.as(who);
      for (let i = 0; i < 100; i++) await client.list();
      const times: number[] = [];
      for (let i = 0; i < 500; i++) {
        const s = performance.now();
        await client.list();
        times.push(performance.now() - s);
      }
      perRequest[name] = round(median(times), 3);
    }
    console.log('a signed request end to end, in-process (GET /v1/prescriptions, ms, median of 500; the SDK signs it too):', perRequest);

    const leaves: TestLeaf[] = [];
    for (let i = 0; i < enrolled; i++) {
      const l = await pki.leaf({ id: `1100${String(i).padStart(7, '0')}`, key: 'p256' });
      await ordo.as({ id: `1100${String(i).padStart(7, '0')}`, key: pki.signingKey(l) as SigningKey }).enrol({ kind: 'prescriber', x5c: l.x5c });
      leaves.push(l);
    }
    const at = new Date(Date.now() - 60_000);
    const entries = Array.from({ length: serials }, (_, i) => ({ serial: (0x10000000 + i).toString(16), at }));
    entries[Math.floor(serials / 2)] = { serial: leaves[0]!.serial, at };
    t = performance.now();
    const crl = await pki.bulkCrl('prescriber', entries, { thisUpdate: new Date(Date.now() - 1000) });
    console.log(`(a CRL of ${serials.toLocaleString('en')} serials made: ${crl.byteLength.toLocaleString('en')} bytes in ${round((performance.now() - t) / 1000)} s)`);
    const heap = () => process.memoryUsage().heapUsed + process.memoryUsage().external;
    global.gc?.();
    const before = heap();
    t = performance.now();
    const loaded = await ordo.loadCrl(crl);
    const loadMs = performance.now() - t;
    const atEnd = heap() - before;
    global.gc?.();
    const retained = heap() - before;
    if (loaded.revokedKeys.length !== 1) throw new Error(`expected one key revoked, got ${loaded.revokedKeys.length}`);
    const mib = (n: number) => `${n >= 0 ? '+' : ''}${round(n / 2 ** 20)} MiB`;
    console.log(`POST /v1/admin/crl, ${serials.toLocaleString('en')} serials, ${enrolled} certified keys enrolled: ${round(loadMs)} ms; heap ${mib(atEnd)} when it answers, ${mib(retained)} after a GC`);
    const next = await pki.leaf({ id: '10000000003', key: 'p256' });
    t = performance.now();
    await ordo.as({ id: '10000000003', key: pki.signingKey(next) as SigningKey }).enrol({ kind: 'prescriber', x5c: next.x5c });
    const first = performance.now() - t;
    const again = await pki.leaf({ id: '10000000004', key: 'p256' });
    t = performance.now();
    await ordo.as({ id: '10000000004', key: pki.signingKey(again) as SigningKey }).enrol({ kind: 'prescriber', x5c: again.x5c });
    console.log(`the first enrolment after it (the kept list parsed once): ${round(first)} ms; the next: ${round(performance.now() - t)} ms`);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
