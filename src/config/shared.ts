/**
 * The variables the app reads on both runtimes, and the secrets both receive as text. Each
 * runtime's schema (node.ts, workers.ts) extends these; `Config` is what the app gets.
 */
import { z } from 'zod';
import { isValidTimeZone } from '../domain/calendar.js';
import { parseVariables, whenParsed } from './parse.js';
import type { VariablesOf } from './variables.js';

/** What the app needs to know, whatever the runtime. */
export type Config = {
  issuer: string;
  claimTtl: number;
  claimMaxTtl: number;
  earlyDays: number;
  tz: string;
  /** Tolerated clock difference with clients, seconds. */
  skew: number;
};

/** Where a list of retired receipt keys came from (named in errors) and its JSON text. */
export type RetiredKeysSource = { name: string; json: string };

/** The secrets as both runtimes hand them to loadOrdoKeys (src/keys-config.ts). */
export type SecretValues = {
  adminToken?: string;
  signingKey?: string;
  tokenKey?: string;
  /** ORDO_RETIRED_SIGNING_KEYS and, on Node, the secrets folder's retired-signing-keys.json: all are published. */
  retiredSigningKeys?: RetiredKeysSource[];
};

const seconds = (def: number) => z.coerce.number().int().positive().default(def);

/** Text, when set: what the schema knows of a secret (loadOrdoKeys checks the value). */
const text = () => z.string().optional();

/** ORDO_ISSUER's value: an http(s) URL, its trailing slashes dropped. */
export const issuerUrl = () => z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/** The app's variables, on both runtimes. Messages come from the variables table. */
export const appFields = {
  // On Workers; Node's default is http://localhost:PORT (config/node.ts).
  ORDO_ISSUER: issuerUrl().default('http://localhost:8787'),
  ORDO_CLAIM_TTL: seconds(600),
  ORDO_CLAIM_MAX_TTL: seconds(259_200),
  ORDO_EARLY_DAYS: z.coerce.number().int().min(0).max(60).default(5),
  ORDO_TZ: z.string().refine(isValidTimeZone).default('Europe/Paris'),
} satisfies Record<VariablesOf<'node', 'setting'> & VariablesOf<'workers', 'setting'>, z.ZodType>;

/** The secrets as text, on both runtimes (Node also reads or generates files for those unset). */
export const secretFields = {
  ORDO_ADMIN_TOKEN: text(),
  ORDO_SIGNING_KEY: text(),
  ORDO_TOKEN_KEY: text(),
  ORDO_RETIRED_SIGNING_KEYS: text(),
} satisfies Record<VariablesOf<'node', 'secret'> & VariablesOf<'workers', 'secret'>, z.ZodType>;

type AppFields = { [K in keyof typeof appFields]: z.output<(typeof appFields)[K]> };
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

export function toConfig(c: AppFields): Config {
  return { issuer: c.ORDO_ISSUER, claimTtl: c.ORDO_CLAIM_TTL, claimMaxTtl: c.ORDO_CLAIM_MAX_TTL, earlyDays: c.ORDO_EARLY_DAYS, tz: c.ORDO_TZ, skew: 60 };
}

/** The secrets as loadOrdoKeys takes them; ORDO_RETIRED_SIGNING_KEYS named as the source of its list. */
export function toSecretValues(c: SecretFields): SecretValues {
  return {
    adminToken: c.ORDO_ADMIN_TOKEN,
    signingKey: c.ORDO_SIGNING_KEY,
    tokenKey: c.ORDO_TOKEN_KEY,
    retiredSigningKeys: c.ORDO_RETIRED_SIGNING_KEYS ? [{ name: 'ORDO_RETIRED_SIGNING_KEYS', json: c.ORDO_RETIRED_SIGNING_KEYS }] : [],
  };
}

const appSchema = withAppChecks(z.object(appFields));

/** The app's variables alone (tests, the benchmark): each runtime parses its own schema instead. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  return toConfig(parseVariables(appSchema, env));
}
