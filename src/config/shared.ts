/**
 * The variables the app reads on both runtimes, and the secrets both receive as text. Each
 * runtime's schema (node.ts, workers.ts) extends these; `Config` is what the app gets.
 */
import { z } from 'zod';
import { AnchorError, parseTrustAnchors, type Anchor } from '../crypto/x509/index.js';
import { isValidTimeZone } from '../domain/calendar.js';
import { parseVariables, whenParsed } from './parse.js';
import { variables, type VariablesOf } from './variables.js';

/** What the app needs to know, whatever the runtime. */
export type Config = {
  issuer: string;
  claimTtl: number;
  claimMaxTtl: number;
  earlyDays: number;
  tz: string;
  /** Tolerated clock difference with clients, seconds. */
  skew: number;
  log: LogConfig;
  /** ORDO_SANDBOX=1: a sandbox for integrators (docs/sandbox.md); never in production. */
  sandbox: boolean;
  /** Certified practitioners (docs/design.md § Certified practitioners). */
  pki: PkiConfig;
};

/** ORDO_TRUST_ANCHORS (none: no enrolment by certificate) and ORDO_CRL_GRACE, in ms. */
export type PkiConfig = { anchors: Anchor[]; crlGraceMs: number };

/** A witness of the log: its verifier key (C2SP vkey, cosignature/v1) and URL prefix. */
export type WitnessConfig = { name: string; vkey: string; url: string };

/** The transparency log (docs/design.md § Transparency log). */
export type LogConfig = {
  origin: string;
  /** Whether ORDO_LOG_ORIGIN was set: otherwise a log that exists keeps the origin it has (service/log/keys.ts). */
  originGiven: boolean;
  intervalMs: number;
  batch: number;
  witnesses: WitnessConfig[];
  /** An RFC 3161 TSA, and the PEM certificates its tokens must chain to (none: kept unchecked). */
  tsa?: { url: string; certs: string[] };
};

/** Where a list of retired receipt keys came from (named in errors) and its JSON text. */
export type RetiredKeysSource = { name: string; json: string };

/** The secrets as both runtimes hand them to loadOrdoKeys (src/keys-config.ts). */
export type SecretValues = {
  adminToken?: string;
  signingKey?: string;
  tokenKey?: string;
  /** ORDO_LOG_KEY, when set: otherwise the log key is derived from the token key. */
  logKey?: string;
  /** ORDO_RETIRED_SIGNING_KEYS and, on Node, the secrets folder's retired-signing-keys.json: all are published. */
  retiredSigningKeys?: RetiredKeysSource[];
};

const seconds = (def: number) => z.coerce.number().int().positive().default(def);

/** Text, when set: what the schema knows of a secret (loadOrdoKeys checks the value). */
const text = () => z.string().optional();

/** ORDO_ISSUER's value: an http(s) URL, its trailing slashes dropped. */
export const issuerUrl = () => z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/** A checkpoint origin (C2SP tlog-checkpoint): printable, no space, no +. */
const ORIGIN = /^[!-*,-~]{1,255}$/;
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PEMS = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** A C2SP verifier key: name+hex key id+base64 of the type byte and the 32-byte key. */
const VKEY = /^([!-*,-~]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]{43}=|[A-Za-z0-9+/]{44})$/;

/** ORDO_LOG_WITNESSES: a JSON array of { key, url }; a zod issue (the table's message) when it is not one. */
function witnessesOf(json: string, ctx: z.RefinementCtx): WitnessConfig[] {
  try {
    const list = JSON.parse(json) as unknown;
    if (!Array.isArray(list)) throw new Error();
    return list.map((w: { key?: unknown; url?: unknown }) => {
      const m = typeof w?.key === 'string' ? VKEY.exec(w.key) : null;
      if (!m || typeof w.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(w.url) || Object.keys(w).length !== 2) throw new Error();
      return { name: m[1]!, vkey: w.key as string, url: w.url.replace(/\/+$/, '') };
    });
  } catch {
    ctx.addIssue({ code: 'custom', message: variables.ORDO_LOG_WITNESSES.expects });
    return z.NEVER;
  }
}

/** ORDO_TRUST_ANCHORS: the CAs, each checked (a CA, its settings); a zod issue naming the block that is wrong. */
function anchorsOf(text: string, ctx: z.RefinementCtx): Anchor[] {
  try {
    return parseTrustAnchors(text);
  } catch (err) {
    if (!(err instanceof AnchorError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
}

/** ORDO_LOG_ORIGIN's default: the issuer without its scheme, then /log. */
export const defaultOrigin = (issuer: string) => `${issuer.replace(/^https?:\/\//, '')}/log`;

/** The app's variables, on both runtimes. Messages come from the variables table. */
export const appFields = {
  // On Workers; Node's default is http://localhost:PORT (config/node.ts).
  ORDO_ISSUER: issuerUrl().default('http://localhost:8787'),
  ORDO_CLAIM_TTL: seconds(600),
  ORDO_CLAIM_MAX_TTL: seconds(259_200),
  ORDO_EARLY_DAYS: z.coerce.number().int().min(0).max(60).default(5),
  ORDO_TZ: z.string().refine(isValidTimeZone).default('Europe/Paris'),
  ORDO_SANDBOX: z.enum(['0', '1']).default('0').transform((v) => v === '1'),
  ORDO_LOG_ORIGIN: z.string().regex(ORIGIN).optional(),
  ORDO_LOG_INTERVAL: z.coerce.number().int().min(100).max(3_600_000).default(1000),
  ORDO_LOG_BATCH: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  ORDO_LOG_WITNESSES: z.string().transform(witnessesOf).optional(),
  ORDO_LOG_TSA: z.url({ protocol: /^https?$/ }).optional(),
  ORDO_LOG_TSA_CERT: z.string().regex(PEM).transform((t) => t.match(PEMS)!).optional(),
  ORDO_TRUST_ANCHORS: z.string().transform(anchorsOf).optional(),
  ORDO_CRL_GRACE: z.coerce.number().int().min(0).max(2_592_000).default(86_400),
} satisfies Record<VariablesOf<'node', 'setting'> & VariablesOf<'workers', 'setting'>, z.ZodType>;

/** The secrets as text, on both runtimes (Node also reads or generates files for those unset). */
export const secretFields = {
  ORDO_ADMIN_TOKEN: text(),
  ORDO_SIGNING_KEY: text(),
  ORDO_TOKEN_KEY: text(),
  ORDO_RETIRED_SIGNING_KEYS: text(),
  ORDO_LOG_KEY: text(),
} satisfies Record<VariablesOf<'node', 'secret'> & VariablesOf<'workers', 'secret'>, z.ZodType>;

type AppFields = { [K in keyof typeof appFields]: z.output<(typeof appFields)[K]> };
type AppValues = { [K in keyof AppFields as undefined extends AppFields[K] ? never : K]: AppFields[K] } & { [K in keyof AppFields as undefined extends AppFields[K] ? K : never]?: AppFields[K] };
type SecretFields = { [K in keyof typeof secretFields]?: string };

/** The checks across the app's variables, added to each runtime's object schema. */
export function withAppChecks<S extends z.ZodType<Pick<AppFields, 'ORDO_CLAIM_TTL' | 'ORDO_CLAIM_MAX_TTL'>>>(schema: S): S {
  return schema.superRefine(
    (c, ctx) => {
      if (c.ORDO_CLAIM_TTL > c.ORDO_CLAIM_MAX_TTL) ctx.addIssue({ code: 'custom', path: ['ORDO_CLAIM_TTL'], message: `at most ORDO_CLAIM_MAX_TTL (${c.ORDO_CLAIM_MAX_TTL})` });
    },
    whenParsed('ORDO_CLAIM_TTL', 'ORDO_CLAIM_MAX_TTL'),
  );
}

export function toConfig(c: AppValues): Config {
  const log: LogConfig = {
    origin: c.ORDO_LOG_ORIGIN ?? defaultOrigin(c.ORDO_ISSUER),
    originGiven: c.ORDO_LOG_ORIGIN !== undefined,
    intervalMs: c.ORDO_LOG_INTERVAL,
    batch: c.ORDO_LOG_BATCH,
    witnesses: c.ORDO_LOG_WITNESSES ?? [],
    ...(c.ORDO_LOG_TSA && { tsa: { url: c.ORDO_LOG_TSA, certs: [...(c.ORDO_LOG_TSA_CERT ?? [])] } }),
  };
  return { issuer: c.ORDO_ISSUER, claimTtl: c.ORDO_CLAIM_TTL, claimMaxTtl: c.ORDO_CLAIM_MAX_TTL, earlyDays: c.ORDO_EARLY_DAYS, tz: c.ORDO_TZ, skew: 60, log, sandbox: c.ORDO_SANDBOX, pki: { anchors: c.ORDO_TRUST_ANCHORS ?? [], crlGraceMs: c.ORDO_CRL_GRACE * 1000 } };
}

/** The secrets as loadOrdoKeys takes them; ORDO_RETIRED_SIGNING_KEYS named as the source of its list. */
export function toSecretValues(c: SecretFields): SecretValues {
  return {
    adminToken: c.ORDO_ADMIN_TOKEN,
    signingKey: c.ORDO_SIGNING_KEY,
    tokenKey: c.ORDO_TOKEN_KEY,
    logKey: c.ORDO_LOG_KEY,
    retiredSigningKeys: c.ORDO_RETIRED_SIGNING_KEYS ? [{ name: 'ORDO_RETIRED_SIGNING_KEYS', json: c.ORDO_RETIRED_SIGNING_KEYS }] : [],
  };
}

const appSchema = withAppChecks(z.object(appFields));

/** The app's variables alone (tests, the benchmark): each runtime parses its own schema instead. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return toConfig(parseVariables(appSchema, env));
}
