/**
 * The Workers runtime's configuration: the app's variables ([vars]), the secrets (`wrangler
 * secret put`) and the bindings (D1 or Hyperdrive, assets). Parsed once per isolate, on the first request.
 */
import type { drizzle } from 'drizzle-orm/d1';
import { z } from 'zod';
import type { OrdoKeys } from '../deps.js';
import { loadOrdoKeys } from '../keys-config.js';
import { ConfigError, parseVariables, whenParsed, withoutBlanks, type ConfigProblem } from './parse.js';
import { appFields, secretFields, toConfig, toSecretValues, withAppChecks, type Config, type SecretValues } from './shared.js';
import { variables, type VariablesOf } from './variables.js';
import { webSuite } from '../crypto/suite/web.js';

export type D1Binding = Parameters<typeof drizzle>[0];
export type AssetsBinding = { fetch(request: Request): Promise<Response> };
/** What Ordo uses of a Hyperdrive binding: the connection string to its pool. */
export type HyperdriveBinding = { connectionString: string };

/** The bindings and variables the Worker receives (wrangler.toml, secrets). */
export type WorkersEnv = { DB?: D1Binding; HYPERDRIVE?: HyperdriveBinding; ASSETS?: AssetsBinding } & { [K in VariablesOf<'workers', 'setting' | 'secret'>]?: string };

const isObject = (v: unknown) => typeof v === 'object' && v !== null;

export const workersFields = {
  ...appFields,
  ...secretFields,
  // Presence only: D1 itself answers (or fails) at the first query. Not aborting, so that the
  // checks across variables still run and one answer names everything that is wrong.
  // Required unless HYPERDRIVE is bound (checked below).
  DB: z.custom<D1Binding>(isObject, { abort: false }).optional(),
  HYPERDRIVE: z.custom<HyperdriveBinding>((v) => isObject(v) && typeof (v as HyperdriveBinding).connectionString === 'string', { abort: false }).optional(),
  ASSETS: z.custom<AssetsBinding>((v) => isObject(v) && typeof (v as AssetsBinding).fetch === 'function', { abort: false }).optional(),
} satisfies Record<VariablesOf<'workers'>, z.ZodType>;

export const workersSchema = withAppChecks(z.object(workersFields)).superRefine((c, ctx) => {
  if (!c.DB && !c.HYPERDRIVE) ctx.addIssue({ code: 'custom', path: ['DB'], message: `required, ${variables.DB.expects} (or HYPERDRIVE, ${variables.HYPERDRIVE.expects})` });
}, whenParsed('DB', 'HYPERDRIVE'));

export type WorkersConfig = {
  app: Config;
  /** The database: PostgreSQL through Hyperdrive when HYPERDRIVE is bound, else D1. */
  db: { d1: D1Binding } | { hyperdrive: HyperdriveBinding };
  assets?: AssetsBinding;
  secrets: SecretValues;
};

/** Parses the Worker's env (blank values unset); throws ConfigError naming every bad variable or missing binding. */
export function parseWorkersConfig(env: WorkersEnv): WorkersConfig {
  const c = parseVariables(workersSchema, env);
  return { app: toConfig(c), db: c.HYPERDRIVE ? { hyperdrive: c.HYPERDRIVE } : { d1: c.DB! }, assets: c.ASSETS, secrets: toSecretValues(c) };
}

/**
 * The Worker's configuration and keys (loadOrdoKeys). The secrets are checked even when other
 * variables are bad (the schema never refuses text), so that one answer names every problem:
 * throws one ConfigError with all of them.
 */
export async function loadWorkersConfig(env: WorkersEnv): Promise<{ config: WorkersConfig; keys: OrdoKeys }> {
  const problems: ConfigProblem[] = [];
  const note = (err: unknown) => {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  };
  let config: WorkersConfig | undefined;
  let keys: OrdoKeys | undefined;
  try {
    config = parseWorkersConfig(env);
  } catch (err) {
    note(err);
  }
  try {
    keys = await loadOrdoKeys(config?.secrets ?? toSecretValues(withoutBlanks(env)), webSuite);
  } catch (err) {
    note(err);
  }
  if (!config || !keys) throw new ConfigError(problems);
  return { config, keys };
}
