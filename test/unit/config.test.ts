/**
 * Each runtime's configuration schema through its real parse function: for every variable a
 * good value, a bad one refused with the variable's name and a human message, and a blank
 * value read as unset. The secrets' values are checked by loadOrdoKeys, on both runtimes.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { base64url } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, variables, type Config } from '../../src/config.js';
import { nodeFields, parseNodeConfig, type NodeConfig } from '../../src/config/node.js';
import { loadWorkersConfig, parseWorkersConfig, workersFields } from '../../src/config/workers.js';
import { randomBytes } from '../../src/crypto/hash.js';
import { generateSigningJwk } from '../../src/crypto/ordo-keys.js';
import { makeTestPki } from '../support/pki.js';
import { loadOrdoKeys } from '../../src/keys-config.js';
import { loadNodeSecrets } from '../../src/node/secrets.js';
import { webSuite } from '../../src/crypto/suite/web.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';

type Env = Record<string, string | undefined>;

/** The ConfigError `f` throws (sync or async); fails the test on anything else. */
async function refusal(f: () => unknown): Promise<ConfigError> {
  try {
    await f();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const line = (e: ConfigError) => e.problems.map((p) => `${p.variable}: ${p.message}`);

/** A witness's verifier key (C2SP vkey, cosignature/v1: type 0x04 then 32 bytes). */
const WITNESS_VKEY = `witness.example+0a1b2c3d+${Buffer.from([4, ...new Uint8Array(32)]).toString('base64')}`;

/** A variable of the app's, read the same on both runtimes. */
type AppCase = { name: string; good: string; read: (c: Config) => unknown; value: unknown; unset: unknown; bad: string[]; message: string };

const appCases: AppCase[] = [
  { name: 'ORDO_ISSUER', good: 'https://ordo.example/', read: (c) => c.issuer, value: 'https://ordo.example', unset: 'http://localhost:8787', bad: ['not a url', 'ftp://ordo.example'], message: 'an http(s) URL, e.g. https://ordo.example' },
  { name: 'ORDO_CLAIM_TTL', good: '900', read: (c) => c.claimTtl, value: 900, unset: 600, bad: ['ten', '0', '-5', '1.5'], message: 'a whole number of seconds' },
  { name: 'ORDO_CLAIM_MAX_TTL', good: '86400', read: (c) => c.claimMaxTtl, value: 86_400, unset: 259_200, bad: ['three days', '0', '2.5'], message: 'a whole number of seconds' },
  { name: 'ORDO_EARLY_DAYS', good: '0', read: (c) => c.earlyDays, value: 0, unset: 5, bad: ['61', '-1', 'five', '1.5'], message: 'a whole number of days, 0 to 60' },
  { name: 'ORDO_LOG_ORIGIN', good: 'ordo.example/log', read: (c) => c.log.origin, value: 'ordo.example/log', unset: 'localhost:8787/log', bad: ['ordo example', 'a+b', 'tab\there'], message: 'a schema-less URL without spaces or +, e.g. ordo.example/log' },
  { name: 'ORDO_LOG_INTERVAL', good: '250', read: (c) => c.log.intervalMs, value: 250, unset: 1000, bad: ['99', '3600001', 'fast', '1.5'], message: 'a whole number of milliseconds, 100 to 3600000' },
  { name: 'ORDO_LOG_BATCH', good: '500', read: (c) => c.log.batch, value: 500, unset: 10_000, bad: ['0', '1000001', 'many'], message: 'a whole number of leaves, 1 to 1000000' },
  {
    name: 'ORDO_LOG_WITNESSES', good: JSON.stringify([{ key: WITNESS_VKEY, url: 'https://witness.example/' }]), read: (c) => c.log.witnesses,
    value: [{ name: 'witness.example', vkey: WITNESS_VKEY, url: 'https://witness.example' }], unset: [],
    bad: ['nope', '{}', '[{"key":"x","url":"https://w.example"}]', JSON.stringify([{ key: WITNESS_VKEY, url: 'ftp://w' }]), JSON.stringify([{ key: WITNESS_VKEY, url: 'https://w.example', extra: 1 }])],
    message: 'a JSON array of {"key": "<witness vkey>", "url": "<witness URL prefix>"}',
  },
  { name: 'ORDO_LOG_TSA', good: 'http://tsa.example/tsr', read: (c) => c.log.tsa, value: { url: 'http://tsa.example/tsr', certs: [] }, unset: undefined, bad: ['tsa.example', 'ftp://tsa.example'], message: 'an http(s) URL of an RFC 3161 time-stamping authority' },
  { name: 'ORDO_TZ', good: 'America/New_York', read: (c) => c.tz, value: 'America/New_York', unset: 'Europe/Paris', bad: ['Mars/Olympus'], message: 'an IANA time zone, e.g. Europe/Paris' },
];

/** The three ways the app's variables are parsed: alone, on Node, on Workers. */
const runtimes: [string, (env: Env) => Config][] = [
  ['parseConfig', (env) => parseConfig(env)],
  ['parseNodeConfig', (env) => parseNodeConfig(env).app],
  ['parseWorkersConfig', (env) => parseWorkersConfig({ DB: {} as never, ...env }).app],
];

describe.each(runtimes)("the app's variables through %s", (_, parse) => {
  it.each(appCases)('$name: a good value, bad ones named, blank as unset', async (v) => {
    expect(v.read(parse({ [v.name]: v.good }))).toEqual(v.value);
    expect(v.read(parse({}))).toEqual(v.unset);
    expect(v.read(parse({ [v.name]: '' }))).toEqual(v.unset);
    for (const bad of v.bad) {
      const e = await refusal(() => parse({ [v.name]: bad }));
      expect(line(e), bad).toEqual([`${v.name}: ${v.message}`]);
      expect(e.message).toBe(`Invalid configuration: ${v.name}: ${v.message}`);
    }
  });

  it('ORDO_LOG_TSA_CERT: the PEM certificates it holds, with the TSA; the origin follows ORDO_ISSUER', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(parse({ ORDO_LOG_TSA: 'https://tsa.example', ORDO_LOG_TSA_CERT: `${pem}\n${pem}\n` }).log.tsa).toEqual({ url: 'https://tsa.example', certs: [pem, pem] });
    expect(line(await refusal(() => parse({ ORDO_LOG_TSA_CERT: 'not a certificate' })))).toEqual(["ORDO_LOG_TSA_CERT: PEM certificates (the TSA's, or the CA it chains to)"]);
    expect(parse({ ORDO_ISSUER: 'https://rx.example/ordo/' }).log.origin).toBe('rx.example/ordo/log');
  });

  it('ORDO_TRUST_ANCHORS: each CA with its settings, checked at start; ORDO_CRL_GRACE in ms', async () => {
    const pki = await makeTestPki();
    const { pki: got } = parse({ ORDO_TRUST_ANCHORS: pki.anchorsText, ORDO_CRL_GRACE: '60' });
    expect(got.crlGraceMs).toBe(60_000);
    expect(got.anchors.map((a) => [a.subject.split(',')[0], a.kinds, a.idAttribute, a.idPrefix])).toEqual([
      ['CN=Ordo Test Root', ['prescriber', 'pharmacy'], '2.5.4.5', ''],
      ['CN=Ordo Test Prescriber CA', ['prescriber'], '2.5.4.5', '8'],
      ['CN=Ordo Test Pharmacy CA', ['pharmacy'], '2.5.4.97', ''],
    ]);
    expect(parse({}).pki).toEqual({ anchors: [], crlGraceMs: 86_400_000 });
    const root = pki.cas.root.pem;
    for (const [text, says] of [
      [root, /certificate 1 \(CN=Ordo Test Root.*\).*kinds/],
      [`kinds: doctor\n${root}`, /kind/],
      [`kinds: prescriber\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----`, /certificate 1 is not a readable X.509 certificate/],
      [`kinds: prescriber\n${root}\nkinds: pharmacy\n${root}`, /certificate 2 .*same certificate as certificate 1/],
    ] as const) {
      const e = line(await refusal(() => parse({ ORDO_TRUST_ANCHORS: text })));
      expect(e).toHaveLength(1);
      expect(e[0]).toMatch(/^ORDO_TRUST_ANCHORS: /);
      expect(e[0]).toMatch(says);
    }
    expect(line(await refusal(() => parse({ ORDO_CRL_GRACE: '-1' }))).map((l) => l.split(':')[0])).toEqual(['ORDO_CRL_GRACE']);
  });

  it('refuses a claim longer than the longest allowed, naming ORDO_CLAIM_TTL', async () => {
    const e = await refusal(() => parse({ ORDO_CLAIM_TTL: '700', ORDO_CLAIM_MAX_TTL: '600' }));
    expect(line(e)).toEqual(['ORDO_CLAIM_TTL: at most ORDO_CLAIM_MAX_TTL (600)']);
    expect(parse({ ORDO_CLAIM_TTL: '600', ORDO_CLAIM_MAX_TTL: '600' }).claimTtl).toBe(600);
  });

  it('names every bad variable at once, on one line, without the values', async () => {
    const e = await refusal(() => parse({ ORDO_CLAIM_TTL: 'ten', ORDO_TZ: 'Mars/Olympus', ORDO_ISSUER: 'nope' }));
    expect(e.problems.map((p) => p.variable).sort()).toEqual(['ORDO_CLAIM_TTL', 'ORDO_ISSUER', 'ORDO_TZ']);
    expect(e.message.split('\n')).toHaveLength(1);
    for (const value of ['ten', 'Mars', 'nope']) expect(e.message).not.toContain(value);
  });
});

describe('Node: parseNodeConfig', () => {
  type NodeCase = { name: string; good: string; read: (c: NodeConfig) => unknown; value: unknown; unset: unknown; bad: string[]; message: string };
  const cases: NodeCase[] = [
    { name: 'PORT', good: '8080', read: (c) => c.port, value: 8080, unset: 8787, bad: ['http', '-1', '65536', '80.5'], message: 'a port number, 0 to 65535' },
    { name: 'ORDO_WORKERS', good: '3', read: (c) => c.workers, value: 3, unset: availableParallelism(), bad: ['0', '65', '1.5', 'two'], message: 'a whole number of processes, 1 to 64' },
    { name: 'ORDO_TRUST_PROXY', good: '1', read: (c) => c.trustProxy, value: true, unset: false, bad: ['yes', 'true', '2'], message: '1 (behind a reverse proxy that sets X-Forwarded-For) or 0' },
    { name: 'ORDO_SWEEPER', good: '0', read: (c) => c.sweeper, value: false, unset: true, bad: ['no', '2'], message: '1 or 0' },
  ];

  it.each(cases)('$name: a good value, bad ones named, blank as unset', async (v) => {
    expect(v.read(parseNodeConfig({ [v.name]: v.good }))).toEqual(v.value);
    expect(v.read(parseNodeConfig({}))).toEqual(v.unset);
    expect(v.read(parseNodeConfig({ [v.name]: '' }))).toEqual(v.unset);
    for (const bad of v.bad) expect(line(await refusal(() => parseNodeConfig({ [v.name]: bad }))), bad).toEqual([`${v.name}: ${v.message}`]);
  });

  it('PORT 0 (any free port) and the other end of each range are good', () => {
    expect(parseNodeConfig({ PORT: '0' }).port).toBe(0);
    expect(parseNodeConfig({ PORT: '65535' }).port).toBe(65_535);
    expect(parseNodeConfig({ ORDO_WORKERS: '64' }).workers).toBe(64);
    expect(parseNodeConfig({ ORDO_TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  it('ORDO_DB and ORDO_SECRETS: resolved paths, blank as unset, and never the secrets inside the database folder', async () => {
    const c = parseNodeConfig({ ORDO_DB: '/srv/ordo/db/ordo.db', ORDO_SECRETS: 'rel/keys' });
    expect([c.dbFile, c.secretsDir]).toEqual(['/srv/ordo/db/ordo.db', resolve('rel/keys')]);
    const unset = parseNodeConfig({ ORDO_DB: '', ORDO_SECRETS: '' });
    expect([unset.dbFile, unset.secretsDir]).toEqual([resolve('./data/ordo.db'), resolve('./secrets')]);
    for (const env of [
      { ORDO_DB: '/srv/ordo/ordo.db', ORDO_SECRETS: '/srv/ordo/keys' }, // inside the folder
      { ORDO_DB: '/srv/ordo/ordo.db', ORDO_SECRETS: '/srv/ordo' }, // the folder itself
      { ORDO_DB: './secrets/ordo.db' }, // the database moved into the default secrets folder
    ]) {
      const e = await refusal(() => parseNodeConfig(env));
      expect(e.problems.map((p) => p.variable), JSON.stringify(env)).toEqual(['ORDO_SECRETS']);
      expect(e.problems[0]!.message).toMatch(/is inside the database's folder .*; keep secrets apart from the database/);
    }
    expect(parseNodeConfig({ ORDO_DB: '/srv/ordo/db/ordo.db', ORDO_SECRETS: '/srv/ordo/secrets' }).secretsDir).toBe('/srv/ordo/secrets');
  });

  it('names the Node variables and the app variables together', async () => {
    const e = await refusal(() => parseNodeConfig({ PORT: 'x', ORDO_WORKERS: '0', ORDO_CLAIM_TTL: 'ten', ORDO_TRUST_PROXY: 'yes' }));
    expect(e.problems.map((p) => p.variable).sort()).toEqual(['ORDO_CLAIM_TTL', 'ORDO_TRUST_PROXY', 'ORDO_WORKERS', 'PORT']);
  });

  describe('the secrets: from the environment (blank as unset), else files in ORDO_SECRETS, checked by loadOrdoKeys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordo-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const base = { ORDO_DB: join(dir, 'data/ordo.db'), ORDO_SECRETS: join(dir, 'secrets') };

    it('generates the ones unset or blank, uses the ones given', async () => {
      const given = base64url.encode(randomBytes(32));
      const first = await loadNodeSecrets(parseNodeConfig({ ...base, ORDO_ADMIN_TOKEN: given, ORDO_SIGNING_KEY: '', ORDO_TOKEN_KEY: '' }));
      expect(first.keys.adminToken).toBe(given);
      expect(first.generated.sort()).toEqual(['signing-key.jwk', 'token-key']);
      expect(existsSync(join(dir, 'secrets/admin-token'))).toBe(false);
    });

    it.each([
      ['ORDO_ADMIN_TOKEN', 'short', 'ORDO_ADMIN_TOKEN: at least 32 characters'],
      ['ORDO_SIGNING_KEY', '{not json', 'ORDO_SIGNING_KEY: a private JWK as JSON (Ed25519 or P-256)'],
      ['ORDO_SIGNING_KEY', '{"kty":"RSA"}', 'ORDO_SIGNING_KEY: a private JWK as JSON (Ed25519 or P-256)'],
      ['ORDO_TOKEN_KEY', 'c2hvcnQ', 'ORDO_TOKEN_KEY: base64url of at least 32 bytes'],
      ['ORDO_TOKEN_KEY', '!!!', 'ORDO_TOKEN_KEY: base64url of at least 32 bytes'],
      ['ORDO_RETIRED_SIGNING_KEYS', '{}', 'ORDO_RETIRED_SIGNING_KEYS: expected a JSON array of JWKs'],
      ['ORDO_RETIRED_SIGNING_KEYS', '[1]', 'ORDO_RETIRED_SIGNING_KEYS: entry 0: not a JWK object'],
    ])('%s=%s is refused by name, without its value', async (name, value, message) => {
      const e = await refusal(() => loadNodeSecrets(parseNodeConfig({ ...base, [name]: value })));
      expect(line(e)).toEqual([message]);
      if (value.length > 3) expect(e.message).not.toContain(value);
    });

    it('ORDO_RETIRED_SIGNING_KEYS: a good list is published, blank is none', async () => {
      const retired = await generateSigningJwk();
      expect((await loadNodeSecrets(parseNodeConfig({ ...base, ORDO_RETIRED_SIGNING_KEYS: JSON.stringify([retired]) }))).keys.retired).toHaveLength(1);
      expect((await loadNodeSecrets(parseNodeConfig({ ...base, ORDO_RETIRED_SIGNING_KEYS: '' }))).keys.retired).toEqual([]);
    });
  });
});

describe('Workers: parseWorkersConfig and loadWorkersConfig', () => {
  const goodSecrets = async () => ({ ORDO_ADMIN_TOKEN: 'a'.repeat(43), ORDO_SIGNING_KEY: JSON.stringify(await generateSigningJwk()), ORDO_TOKEN_KEY: base64url.encode(randomBytes(32)) });

  it('DB: present (any binding object), refused when missing or not a binding', async () => {
    const db = {} as never;
    expect(parseWorkersConfig({ DB: db }).db).toEqual({ d1: db });
    const missing = 'DB: required, the D1 binding (see wrangler.toml [[d1_databases]]) (or HYPERDRIVE, a Hyperdrive binding (see wrangler.toml [[hyperdrive]]))';
    expect(line(await refusal(() => parseWorkersConfig({})))).toEqual([missing]);
    expect(line(await refusal(() => parseWorkersConfig({ DB: '' as never })))).toEqual([missing]);
    expect(line(await refusal(() => parseWorkersConfig({ DB: 'ordo' as never })))).toEqual(['DB: the D1 binding (see wrangler.toml [[d1_databases]])']);
  });

  it('HYPERDRIVE: PostgreSQL instead of D1 when bound, even beside DB; refused when it is not a binding', async () => {
    const hyperdrive = { connectionString: 'postgres://ordo:x@127.0.0.1:5432/ordo' };
    expect(parseWorkersConfig({ HYPERDRIVE: hyperdrive }).db).toEqual({ hyperdrive });
    expect(parseWorkersConfig({ DB: {} as never, HYPERDRIVE: hyperdrive }).db).toEqual({ hyperdrive });
    expect(line(await refusal(() => parseWorkersConfig({ HYPERDRIVE: {} as never })))).toEqual(['HYPERDRIVE: a Hyperdrive binding (see wrangler.toml [[hyperdrive]])']);
  });

  it('ASSETS: optional, refused when it is not a fetcher', async () => {
    const assets = { fetch: async () => new Response('') };
    expect(parseWorkersConfig({ DB: {} as never, ASSETS: assets }).assets).toBe(assets);
    expect(parseWorkersConfig({ DB: {} as never }).assets).toBeUndefined();
    expect(line(await refusal(() => parseWorkersConfig({ DB: {} as never, ASSETS: {} as never })))).toEqual(['ASSETS: the assets binding (see wrangler.toml [assets])']);
  });

  it('the secrets: given as text, blank as unset (required on Workers), checked by loadOrdoKeys', async () => {
    const s = await goodSecrets();
    const { keys, config } = await loadWorkersConfig({ DB: {} as never, ...s, ORDO_RETIRED_SIGNING_KEYS: '' });
    expect(keys.adminToken).toBe(s.ORDO_ADMIN_TOKEN);
    expect(config.secrets.retiredSigningKeys).toEqual([]);
    const blank = await refusal(() => loadWorkersConfig({ DB: {} as never, ...s, ORDO_TOKEN_KEY: '' }));
    expect(line(blank)).toEqual(['ORDO_TOKEN_KEY: required, base64url of at least 32 bytes']);
    const retired = await refusal(() => loadOrdoKeys(parseWorkersConfig({ DB: {} as never, ...s, ORDO_RETIRED_SIGNING_KEYS: '[1]' }).secrets, webSuite));
    expect(line(retired)).toEqual(['ORDO_RETIRED_SIGNING_KEYS: entry 0: not a JWK object']);
  });

  it('ORDO_LOG_KEY: a private Ed25519 JWK when given; else derived from the token key, the same on both suites', async () => {
    const s = await goodSecrets();
    const derived = (await loadWorkersConfig({ DB: {} as never, ...s })).keys.logKey;
    expect(derived).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect((await loadWorkersConfig({ DB: {} as never, ...s, ORDO_LOG_KEY: '' })).keys.logKey).toEqual(derived);
    const node = await loadOrdoKeys(parseWorkersConfig({ DB: {} as never, ...s }).secrets, nodeSuite);
    expect(node.logKey).toEqual(derived);
    const other = (await loadWorkersConfig({ DB: {} as never, ...s, ORDO_TOKEN_KEY: base64url.encode(randomBytes(32)) })).keys.logKey;
    expect(other.x).not.toBe(derived.x);
    const given = await webSuite.ed25519FromSeed(randomBytes(32));
    expect((await loadWorkersConfig({ DB: {} as never, ...s, ORDO_LOG_KEY: JSON.stringify(given) })).keys.logKey).toEqual(given);
    for (const bad of ['{', JSON.stringify({ ...given, d: undefined }), JSON.stringify(await generateSigningJwk().then((j) => ({ ...j, crv: 'P-256' }))), JSON.stringify({ ...given, x: derived.x })]) {
      expect(line(await refusal(() => loadWorkersConfig({ DB: {} as never, ...s, ORDO_LOG_KEY: bad }))), bad).toEqual(['ORDO_LOG_KEY: a private Ed25519 JWK as JSON']);
    }
  });

  it('names a missing binding, bad variables and missing secrets in one error', async () => {
    const e = await refusal(() => loadWorkersConfig({ ORDO_CLAIM_TTL: 'ten', ORDO_ADMIN_TOKEN: 'short' }));
    expect(e.problems.map((p) => p.variable)).toEqual(['ORDO_CLAIM_TTL', 'DB', 'ORDO_ADMIN_TOKEN', 'ORDO_SIGNING_KEY', 'ORDO_TOKEN_KEY']);
    expect(e.message).not.toContain('short');
  });
});

describe('the variables table', () => {
  const reads = (runtime: 'node' | 'workers') =>
    Object.entries(variables)
      .filter(([, v]) => (v.runtimes as readonly string[]).includes(runtime))
      .map(([name]) => name)
      .sort();

  it("lists exactly each runtime's schema", () => {
    expect(Object.keys(nodeFields).sort()).toEqual(reads('node'));
    expect(Object.keys(workersFields).sort()).toEqual(reads('workers'));
  });

  it('describes every variable', () => {
    for (const [name, v] of Object.entries(variables)) {
      expect(v.description.length, name).toBeGreaterThan(20);
      expect(v.expects.length, name).toBeGreaterThan(3);
    }
  });
});
