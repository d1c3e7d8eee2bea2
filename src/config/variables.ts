/**
 * Every variable Ordo reads, in one place: which runtime reads it, its default, what a valid
 * value is, and what it does. The schemas (shared.ts, node.ts, workers.ts) are keyed by these
 * names and checked against this table by the compiler; `expects` is also the message a bad
 * value gets ("ORDO_CLAIM_TTL: a whole number of seconds"). Blank values count as unset.
 */

export type Runtime = 'node' | 'workers';

export type VariableDoc = {
  /** The runtimes that read it. */
  runtimes: readonly Runtime[];
  /** setting: an environment variable or a wrangler [vars] entry; secret: credentials (Node: generated if unset);
   *  binding: a Workers binding, not text; internal: set by Ordo itself, not by operators. */
  kind: 'setting' | 'secret' | 'binding' | 'internal';
  /** The value used when unset or blank, as a reader would write it; null when there is none. */
  default: string | null;
  /** What a valid value is, as a phrase: also the message for a bad value. */
  expects: string;
  description: string;
};

const both = ['node', 'workers'] as const;
const node = ['node'] as const;
const workers = ['workers'] as const;

export const variables = {
  // Read by the app on both runtimes.
  ORDO_ISSUER: {
    runtimes: both, kind: 'setting', default: 'Node: http://localhost:<PORT> (the port listened on, also with PORT=0); Workers: http://localhost:8787 (wrangler.toml [vars] sets it)',
    expects: 'an http(s) URL, e.g. https://ordo.example',
    description:
      "Ordo's public URL, the one clients use: the `aud` of request tokens and documents, the `iss` of receipts; also the server of /openapi.json (/docs) and the pages' audience. A trailing slash is dropped. Set it to the public URL behind a reverse proxy and on Workers (wrangler.toml [vars], before deploying). On Node the banner warns when it is set to another port than the one Ordo listens on, or to another host while Ordo listens on the loopback only.",
  },
  ORDO_CLAIM_TTL: {
    runtimes: both, kind: 'setting', default: '600',
    expects: 'a whole number of seconds',
    description: 'How long a claim lasts unless the pharmacy asks for another duration, seconds. At most ORDO_CLAIM_MAX_TTL.',
  },
  ORDO_CLAIM_MAX_TTL: {
    runtimes: both, kind: 'setting', default: '259200',
    expects: 'a whole number of seconds',
    description: 'The longest claim a pharmacy may ask for, seconds (default three days).',
  },
  ORDO_EARLY_DAYS: {
    runtimes: both, kind: 'setting', default: '5',
    expects: 'a whole number of days, 0 to 60',
    description: 'How many days before its due date a paced delivery may be dispensed.',
  },
  ORDO_TZ: {
    runtimes: both, kind: 'setting', default: 'Europe/Paris',
    expects: 'an IANA time zone, e.g. Europe/Paris',
    description: 'The time zone of calendar dates (`validUntil` is inclusive, in this zone).',
  },
  ORDO_SANDBOX: {
    runtimes: both, kind: 'setting', default: '0',
    expects: '1 (a sandbox for integrators: published test keys, a clock the registrar moves) or 0',
    description:
      'With 1, Ordo is a sandbox (docs/sandbox.md): the database is marked as one and seeded with the test actors of sandbox/ (their private keys are published) and sample prescriptions in every state; POST /v1/admin/clock moves its clock forward; the pages and /healthz say "sandbox". Refused on a database that holds other data, and 0 is refused on a sandbox database; the published keys are refused as actor keys outside a sandbox. Never in production.',
  },

  // Secrets: both runtimes; validated by loadOrdoKeys (src/keys-config.ts).
  ORDO_LOG_ORIGIN: {
    runtimes: both, kind: 'setting', default: "ORDO_ISSUER without its scheme, then /log (e.g. ordo.example/log)",
    expects: 'a schema-less URL without spaces or +, e.g. ordo.example/log',
    description: "The transparency log's origin: the first line of every checkpoint and the name of its note key (C2SP tlog-checkpoint). Witnesses and monitors know the log by it: set it once, never change it.",
  },
  ORDO_LOG_INTERVAL: {
    runtimes: both, kind: 'setting', default: '1000',
    expects: 'a whole number of milliseconds, 100 to 3600000',
    description: 'How often new events are integrated into the log and a checkpoint signed, when there are any. Integration runs beside the writes, never inside one. On Workers it runs after a write once this long has passed since the last checkpoint, and every minute (the cron trigger).',
  },
  ORDO_LOG_BATCH: {
    runtimes: both, kind: 'setting', default: '10000',
    expects: 'a whole number of leaves, 1 to 1000000',
    description: 'The most leaves one checkpoint adds: a backlog (after a stop) is integrated in checkpoints of this many, one after the other.',
  },
  ORDO_LOG_WITNESSES: {
    runtimes: both, kind: 'setting', default: null,
    expects: 'a JSON array of {"key": "<witness vkey>", "url": "<witness URL prefix>"}',
    description: "Witnesses Ordo sends each new checkpoint to (C2SP tlog-witness add-checkpoint at <url>/add-checkpoint); the cosignatures they return (C2SP tlog-cosignature, checked against `key`) are published with the checkpoint.",
  },
  ORDO_LOG_TSA: {
    runtimes: both, kind: 'setting', default: null,
    expects: 'an http(s) URL of an RFC 3161 time-stamping authority',
    description: 'When set, every checkpoint is timestamped by this TSA (RFC 3161, SHA-256 of the checkpoint text); the token is kept and published with it (/log/checkpoints/<size>) and checked by `ordo verify`.',
  },
  ORDO_LOG_TSA_CERT: {
    runtimes: both, kind: 'setting', default: null,
    expects: 'PEM certificates (the TSA\'s, or the CA it chains to)',
    description: "What a TSA token must chain to before Ordo keeps it; also published (/log/tsa.pem) for `ordo verify`. Without it, tokens are kept unchecked.",
  },
  ORDO_TRUST_ANCHORS: {
    runtimes: both, kind: 'setting', default: null,
    expects: 'PEM certificates of CAs, each after a `kinds:` line (docs/design.md § Certified practitioners)',
    description: 'The CAs of a health PKI whose practitioners and pharmacies may enrol with their certificate (POST /v1/enrol), each with the kinds it may certify and where its certificates hold the actor id. Unset: no enrolment by certificate.',
  },
  ORDO_CRL_GRACE: {
    runtimes: both, kind: 'setting', default: '86400',
    expects: 'seconds, 0 to 2592000',
    description: "How long past a CA's revocation list's nextUpdate its certified keys are still accepted; after it, they are refused (403 revocation_unknown) until the registrar loads a newer list.",
  },
  ORDO_ADMIN_TOKEN: {
    runtimes: both, kind: 'secret', default: 'Node: generated into ORDO_SECRETS/admin-token; Workers: none (required)',
    expects: 'at least 32 characters',
    description: "The registrar's bearer token, for /v1/admin/*.",
  },
  ORDO_SIGNING_KEY: {
    runtimes: both, kind: 'secret', default: 'Node: generated into ORDO_SECRETS/signing-key.jwk; Workers: none (required)',
    expects: 'a private JWK as JSON (Ed25519 or P-256)',
    description: "Ordo's private key for receipts. The database records its kid: Ordo refuses to start with a key that is neither it nor a retired one (docs/operations.md).",
  },
  ORDO_TOKEN_KEY: {
    runtimes: both, kind: 'secret', default: 'Node: generated into ORDO_SECRETS/token-key; Workers: none (required)',
    expects: 'base64url of at least 32 bytes',
    description: 'The HMAC key behind every code and seal. Without it no sealed content can be opened: keep a copy. The database records its id: Ordo refuses to start with another (docs/operations.md).',
  },
  ORDO_RETIRED_SIGNING_KEYS: {
    runtimes: both, kind: 'secret', default: null,
    expects: 'a JSON array of JWKs',
    description: 'Receipt keys used before (public JWKs; of private ones only the public half is kept), still published at /.well-known/jwks.json so old receipts verify. On Node, ORDO_SECRETS/retired-signing-keys.json is read too.',
  },
  ORDO_LOG_KEY: {
    runtimes: both, kind: 'secret', default: 'derived from ORDO_TOKEN_KEY (HKDF-SHA256, info "ordo log key v1")',
    expects: 'a private Ed25519 JWK as JSON',
    description: "The log's note key, which signs every checkpoint (C2SP signed-note, Ed25519); its public half is at /log/key. The default needs no secret of its own and stays the same as long as the token key, which a database never changes.",
  },

  // Node only.
  PORT: {
    runtimes: node, kind: 'setting', default: '8787',
    expects: 'a port number, 0 to 65535',
    description: 'The listen port (0: any free port).',
  },
  ORDO_DB: {
    runtimes: node, kind: 'setting', default: './data/ordo.db',
    expects: 'a file path, or a PostgreSQL URL (postgres://user:password@host:5432/database)',
    description:
      'The database. A file path: the SQLite file, created and migrated on start (its folder 0700 when Ordo creates it; the file, -wal and -shm 0600). A postgres:// or postgresql:// URL: that PostgreSQL database (created beforehand, empty or Ordo\'s), migrated on start; any number of Ordo processes and hosts may share it (docs/operations.md, "PostgreSQL"). Messages never show its password.',
  },
  ORDO_PG_POOL: {
    runtimes: node, kind: 'setting', default: '10',
    expects: 'a whole number of connections, 1 to 1000',
    description: "Connections each Ordo process keeps to PostgreSQL (ORDO_DB=postgres://…). PostgreSQL's max_connections must cover every process on every host: hosts × ORDO_WORKERS × ORDO_PG_POOL, plus what else connects.",
  },
  ORDO_SECRETS: {
    runtimes: node, kind: 'setting', default: './secrets',
    expects: "a folder path outside the database's folder",
    description: "Where secrets not given in the environment are generated on first start (folder 0700, files 0600) and read afterwards. Refused if it is, or lies inside, the database's folder: a copy of the database must not carry the key that opens it.",
  },
  ORDO_WORKERS: {
    runtimes: node, kind: 'setting', default: 'one per core',
    expects: 'a whole number of processes, 1 to 64',
    description: 'Server processes sharing the port (`npm start`). On SQLite they read the file themselves and the primary process commits every transition (one writer); on PostgreSQL each commits its own.',
  },
  ORDO_HOST: {
    runtimes: node, kind: 'setting', default: '127.0.0.1',
    expects: 'an IP address to listen on: 127.0.0.1 or ::1 (this machine only), 0.0.0.0 or :: (every interface), or one of this machine\'s addresses',
    description: 'Where Ordo listens. The default keeps it on this machine (as wrangler dev does); a deployment behind a proxy on another host, or in a container, sets 0.0.0.0 or ::. The start-up lines say which.',
  },
  ORDO_TRUST_PROXY: {
    runtimes: node, kind: 'setting', default: '0',
    expects: '1 (behind a reverse proxy that sets X-Forwarded-For) or 0',
    description: 'With 1, the failed-code limit counts per client as the proxy reports it (the last X-Forwarded-For entry) rather than per proxy. Only when Ordo is reachable through that proxy alone.',
  },
  ORDO_SWEEPER: {
    runtimes: node, kind: 'internal', default: '1',
    expects: '1 or 0',
    description: 'Whether this process runs the expiry and claim sweep every minute. Set by the primary for its workers (one sweeps); not for operators.',
  },

  // Workers only: bindings (wrangler.toml).
  DB: {
    runtimes: workers, kind: 'binding', default: null,
    expects: 'the D1 binding (see wrangler.toml [[d1_databases]])',
    description: 'The D1 database, migrated with the same files as SQLite (drizzle/). Unused when HYPERDRIVE is bound.',
  },
  HYPERDRIVE: {
    runtimes: workers, kind: 'binding', default: null,
    expects: 'a Hyperdrive binding (see wrangler.toml [[hyperdrive]])',
    description: 'PostgreSQL through Hyperdrive, instead of D1: the same database Node Ordo uses with ORDO_DB=postgres://…, migrated beforehand (`ordo migrate`, or any Node Ordo started on it). When bound, DB is not used.',
  },
  ASSETS: {
    runtimes: workers, kind: 'binding', default: null,
    expects: 'the assets binding (see wrangler.toml [assets])',
    description: "The built browser files, dist/public: the pages' scripts and Swagger UI. Without it those files answer 404.",
  },
} as const satisfies Record<string, VariableDoc>;

export type VariableName = keyof typeof variables;

type Doc<K extends VariableName> = (typeof variables)[K];

/** The variables `R` reads, of kind `K` (any by default). */
export type VariablesOf<R extends Runtime, K extends VariableDoc['kind'] = VariableDoc['kind']> = {
  [N in VariableName]: R extends Doc<N>['runtimes'][number] ? (Doc<N>['kind'] extends K ? N : never) : never;
}[VariableName];

export const isVariable = (name: unknown): name is VariableName => typeof name === 'string' && Object.hasOwn(variables, name);
