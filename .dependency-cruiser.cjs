/**
 * The layers of Ordo, checked by dependency-cruiser (`npm run lint:deps`). Arrows = may import:
 *
 *   entries (node.ts, node/**, worker.ts, cli/**) → anything below
 *   app.ts, deps.ts → http, service, store (types), domain, crypto, config
 *   http/**         → service, domain, crypto, log, fhir, contract; config, deps, store/types.ts as types only
 *   service/**      → domain, store/types.ts (types and errors), crypto, log, fhir, barcode; deps as types only
 *   domain/**       → domain, crypto; no node: module, no hono, no database
 *   store/**        → store, domain, crypto (packed forms); node: modules allowed (store/sqlite.ts is Node's)
 *   crypto/**       → crypto
 *   log/**          → log, crypto; no node: module (the transparency log's formats and tree)
 *   fhir/**         → fhir, domain, lib; no node: module (the FHIR R4 mapping, pure)
 *   conformance/**  → conformance, client, domain, crypto, log, contract; no node: module (black-box checks)
 *   contract/**     → contract, domain; npm: zod and @hono/zod-openapi only
 *   client/**       → client, domain, crypto, log, contract; no node: module
 *   web/**          → web, client, domain, crypto; no node: module
 *   config          → config, domain, crypto, log; deps as types only
 *   barcode/**      → barcode
 *   lib/**          → nothing in src, no node: module (and every layer may use lib)
 *
 * and worker.ts never reaches better-sqlite3, @hono/node-server, store/sqlite.ts or a node:
 * module, however indirectly. No cycles, type-only ones included.
 */
const { builtinModules } = require('node:module');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Core modules as dependency-cruiser names them: `fs`, `fs/promises`, `node:test`… */
const CORE = `^(node:)?(${builtinModules.map(escape).join('|')})$`;

const ENTRY = '^src/(node\\.ts$|worker\\.ts$|node/|cli/)';
const APP = '^src/(app|deps)\\.ts$';
const DEPS = '^src/deps\\.ts$';
const CONFIG = '^src/(config\\.ts$|keys-config\\.ts$|config/)';
const HTTP = '^src/http/';
const SERVICE = '^src/service/';
const DOMAIN = '^src/domain/';
const STORE = '^src/store/';
const STORE_TYPES = '^src/store/types\\.ts$';
const CRYPTO = '^src/crypto/';
const LOG = '^src/log/';
const FHIR = '^src/fhir/';
const CONFORMANCE = '^src/conformance/';
const CONTRACT = '^src/contract/';
const CLIENT = '^src/client/';
const WEB = '^src/web/';
const BARCODE = '^src/barcode/';
const LIB = '^src/lib/';
/** npm packages by name, wherever node_modules is (a linked checkout resolves outside the tree). */
const npm = (names) => `(^|/)node_modules/(${names})/`;
const NODE_ONLY_NPM = npm('better-sqlite3|@types/better-sqlite3|@hono/node-server');

/** `from` may import nothing in src but `allowed` (and lib, which everyone may use). */
const layer = (name, from, allowed, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: from },
  to: { path: '^src/', pathNot: [...allowed, LIB] },
});

/** `from` may import `to` for its types only (`import type`), never at run time. */
const typesOnly = (name, from, to, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: from },
  to: { path: to, dependencyTypesNot: ['type-only'] },
});

/** `from` runs on Workers and in browsers too: no node: module, no Node-only package. */
const neutral = (name, from, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: from },
  to: { path: [CORE, NODE_ONLY_NPM] },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No cycles, not even through type-only imports: a cycle means two modules are one layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports and that imports nothing is dead code.',
      from: { orphan: true, pathNot: '\\.d\\.ts$' },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true },
    },

    {
      name: 'entries-on-top',
      severity: 'error',
      comment: 'Only an entry (node.ts, node/**, worker.ts, cli/**) may import an entry.',
      from: { path: '^src/', pathNot: ENTRY },
      to: { path: ENTRY },
    },

    layer('app-layer', APP, [APP, HTTP, SERVICE, STORE_TYPES, DOMAIN, CRYPTO, CONFIG], 'app.ts and deps.ts assemble http, services and stores; they import no entry, client or web module.'),
    typesOnly('app-store-types-only', APP, STORE, 'app.ts and deps.ts see the store through its types; the entries pick the implementation.'),

    layer('http-layer', HTTP, [HTTP, SERVICE, DOMAIN, CRYPTO, LOG, FHIR, CONTRACT, CONFIG, DEPS, STORE_TYPES], 'Routes and middleware call services, never a store implementation, an entry, the client or the pages.'),
    typesOnly('http-config-types-only', HTTP, CONFIG, 'http reads the configuration from deps, and imports its types only.'),
    typesOnly('http-deps-types-only', HTTP, DEPS, 'http gets its dependencies from c.var.deps: types only.'),
    typesOnly('http-store-types-only', HTTP, STORE_TYPES, 'http sees store rows as types; store errors (CommitConflict) are the services\' to translate.'),

    layer('service-layer', SERVICE, [SERVICE, DOMAIN, STORE_TYPES, CRYPTO, LOG, FHIR, BARCODE, DEPS], 'Services use the domain, the store interface and its errors, crypto and barcode; never http.'),
    typesOnly('service-deps-types-only', SERVICE, DEPS, 'Services receive deps; they import its types only.'),

    layer('domain-layer', DOMAIN, [DOMAIN, CRYPTO], 'The domain is pure: no store, service, http, config, client or entry.'),
    {
      name: 'domain-pure',
      severity: 'error',
      comment: 'The domain runs everywhere and touches nothing: no node: module, no hono, no database.',
      from: { path: DOMAIN },
      to: { path: [CORE, NODE_ONLY_NPM, npm('hono|@hono/[^/]+|drizzle-orm|@cloudflare/[^/]+')] },
    },

    layer('store-layer', STORE, [STORE, DOMAIN, CRYPTO], 'Stores know rows, the domain\'s definitions of them and crypto\'s packed forms (store/codec.ts), nothing above them.'),

    layer('crypto-layer', CRYPTO, [CRYPTO], 'crypto is below the domain: it knows no problem code, no HTTP, no store.'),
    neutral('crypto-neutral', CRYPTO, 'crypto runs on Node, Workers and in browsers.'),

    layer('log-layer', LOG, [LOG, CRYPTO], 'The log\'s tree and formats (C2SP, RFC 9162, RFC 3161) know crypto and nothing above.'),
    neutral('log-neutral', LOG, 'The log runs on Node, Workers and in browsers.'),

    layer('fhir-layer', FHIR, [FHIR, DOMAIN], 'The FHIR R4 mapping is pure: Ordo\'s documents and states in, FHIR resources out.'),
    neutral('fhir-neutral', FHIR, 'The FHIR mapping runs on Node and Workers.'),

    layer('conformance-layer', CONFORMANCE, [CONFORMANCE, CLIENT, DOMAIN, CRYPTO, LOG, CONTRACT], 'The conformance checks speak to an Ordo over HTTP through the SDK only.'),
    neutral('conformance-neutral', CONFORMANCE, 'The conformance checks run in Node and inside workerd (the contract suite).'),

    layer('contract-layer', CONTRACT, [CONTRACT, DOMAIN], 'The contract is the schemas of the API: domain vocabularies and zod, nothing else.'),
    {
      name: 'contract-npm',
      severity: 'error',
      comment: 'The contract uses zod and @hono/zod-openapi only.',
      from: { path: CONTRACT },
      to: { path: [npm('[^/]+'), CORE], pathNot: npm('zod|@hono/zod-openapi') },
    },

    layer('client-layer', CLIENT, [CLIENT, DOMAIN, CRYPTO, LOG, CONTRACT], 'The client SDK runs in browsers: no store, http, service, config or entry.'),
    neutral('client-neutral', CLIENT, 'The client SDK runs in browsers.'),

    layer('web-layer', WEB, [WEB, CLIENT, DOMAIN, CRYPTO], 'The pages use the client SDK and the runtime-neutral layers only.'),
    neutral('web-neutral', WEB, 'The pages run in browsers.'),

    layer('config-layer', CONFIG, [CONFIG, DOMAIN, CRYPTO, LOG, DEPS], 'Configuration is read by entries and app; it imports nothing above the domain.'),
    typesOnly('config-deps-types-only', CONFIG, DEPS, 'Configuration names the deps it fills by their types.'),

    layer('barcode-layer', BARCODE, [BARCODE], 'The barcode encoder is a leaf.'),

    layer('lib-leaf', LIB, [], 'lib holds tiny runtime-neutral helpers that import nothing from src.'),
    neutral('lib-neutral', LIB, 'lib runs everywhere.'),

    {
      name: 'worker-runtime-neutral',
      severity: 'error',
      comment: 'worker.ts must never reach, however indirectly, a node: module, better-sqlite3, @hono/node-server or store/sqlite.ts.',
      from: { path: '^src/worker\\.ts$' },
      to: { path: [CORE, NODE_ONLY_NPM, '^src/store/sqlite\\.ts$'], reachable: true },
    },
  ],
  options: {
    // Type-only imports count: they are how layers leak first.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
