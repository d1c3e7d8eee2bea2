/**
 * The Node runtime's configuration: the app's variables, the secrets, and what the process
 * itself needs (port, files, processes, proxy). Parsed once per process at start.
 */
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { isPostgresUrl, redactedUrl } from '../lib/postgres-url.js';
import { parseVariables, whenParsed } from './parse.js';
import { appFields, issuerUrl, secretFields, toConfig, toSecretValues, withAppChecks, type Config, type SecretValues } from './shared.js';
import type { VariablesOf } from './variables.js';

/** Whether `child` is `parent` or lies inside it (both resolved). */
export const inside = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && r !== '..');
};

const flag = (def: '0' | '1') => z.enum(['0', '1']).default(def).transform((v) => v === '1');
const path = (def: string) => z.string().default(def).transform((p) => resolve(p));

/** Ordo's URL on this machine when it listens on `port`: ORDO_ISSUER's default on Node. */
export const localIssuer = (port: number) => `http://localhost:${port}`;

export const nodeFields = {
  ...appFields,
  ...secretFields,
  /** Unset: http://localhost:PORT, decided after parsing (PORT=0: once listening, by startNode). */
  ORDO_ISSUER: issuerUrl().optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  ORDO_HOST: z.string().refine((h) => isIP(h) !== 0).default('127.0.0.1'),
  // A PostgreSQL URL as it is (checked to parse), a file path resolved.
  ORDO_DB: z
    .string()
    .default('./data/ordo.db')
    .refine((v) => !isPostgresUrl(v) || URL.canParse(v))
    .transform((v) => (isPostgresUrl(v) ? v : resolve(v))),
  ORDO_PG_POOL: z.coerce.number().int().min(1).max(1000).default(10),
  ORDO_SECRETS: path('./secrets'),
  /** Unset: one per core, decided after parsing. */
  ORDO_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  ORDO_TRUST_PROXY: flag('0'),
  ORDO_SWEEPER: flag('1'),
} satisfies Record<VariablesOf<'node'>, z.ZodType>;

export const nodeSchema = withAppChecks(z.object(nodeFields)).superRefine((c, ctx) => {
  // A copy of the database must not carry the key that opens it.
  if (!isPostgresUrl(c.ORDO_DB) && inside(c.ORDO_SECRETS, dirname(c.ORDO_DB))) {
    ctx.addIssue({ code: 'custom', path: ['ORDO_SECRETS'], message: `${c.ORDO_SECRETS} is inside the database's folder ${dirname(c.ORDO_DB)}; keep secrets apart from the database` });
  }
}, whenParsed('ORDO_SECRETS', 'ORDO_DB'));

export type NodeConfig = {
  /**
   * What the app reads. Unless ORDO_ISSUER is set, `app.issuer` is http://localhost:PORT; with
   * PORT=0 (any free port) that is not known before listening: startNode uses the port it
   * bound instead (see `issuerGiven`).
   */
  app: Config;
  /** Whether ORDO_ISSUER was set; if not, the issuer is http://localhost:<the port listened on>. */
  issuerGiven: boolean;
  port: number;
  /** ORDO_HOST: the address listened on. */
  host: string;
  /** ORDO_DB, resolved: the SQLite file; on PostgreSQL, the URL without its password (what messages name). */
  dbFile: string;
  /** ORDO_DB as a PostgreSQL URL, and ORDO_PG_POOL; unset on SQLite. */
  postgres?: { url: string; poolSize: number };
  /** ORDO_SECRETS, resolved. */
  secretsDir: string;
  /** Server processes: ORDO_WORKERS, or one per core. */
  workers: number;
  /** ORDO_TRUST_PROXY=1: the client's address is the last X-Forwarded-For entry. */
  trustProxy: boolean;
  /** ORDO_SWEEPER: whether this process runs the minute sweep. */
  sweeper: boolean;
  /** The secrets given in the environment (Node generates files for those unset: src/node/secrets.ts). */
  secrets: SecretValues;
};

/** Parses Node's environment (blank values unset); throws ConfigError naming every bad variable. */
export function parseNodeConfig(env: Record<string, string | undefined>): NodeConfig {
  const c = parseVariables(nodeSchema, env);
  return {
    app: toConfig({ ...c, ORDO_ISSUER: c.ORDO_ISSUER ?? localIssuer(c.PORT) }),
    issuerGiven: c.ORDO_ISSUER !== undefined,
    port: c.PORT,
    host: c.ORDO_HOST,
    dbFile: isPostgresUrl(c.ORDO_DB) ? redactedUrl(c.ORDO_DB) : c.ORDO_DB,
    ...(isPostgresUrl(c.ORDO_DB) && { postgres: { url: c.ORDO_DB, poolSize: c.ORDO_PG_POOL } }),
    secretsDir: c.ORDO_SECRETS,
    workers: c.ORDO_WORKERS ?? availableParallelism(),
    trustProxy: c.ORDO_TRUST_PROXY,
    sweeper: c.ORDO_SWEEPER,
    secrets: toSecretValues(c),
  };
}
