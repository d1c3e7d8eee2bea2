/**
 * Configuration from the environment (Node) or bindings (Workers), validated once at start.
 * A bad value stops Ordo with a message naming the variable, never a stack trace.
 */
import { z } from 'zod';
import { isValidTimeZone } from './domain/calendar.js';

const seconds = (def: number) => z.coerce.number().int().positive().default(def);

export const configSchema = z
  .object({
    ORDO_ISSUER: z.url({ protocol: /^https?$/ }).default('http://localhost:8787').transform((u) => u.replace(/\/+$/, '')),
    ORDO_CLAIM_TTL: seconds(600),
    ORDO_CLAIM_MAX_TTL: seconds(259_200),
    ORDO_EARLY_DAYS: z.coerce.number().int().min(0).max(60).default(5),
    ORDO_TZ: z.string().refine(isValidTimeZone, 'not a known IANA time zone').default('Europe/Paris'),
  })
  .refine((c) => c.ORDO_CLAIM_TTL <= c.ORDO_CLAIM_MAX_TTL, { message: 'ORDO_CLAIM_TTL must not exceed ORDO_CLAIM_MAX_TTL', path: ['ORDO_CLAIM_TTL'] });

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

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Formats zod issues as "NAME: message" lines. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`).join('\n');
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = configSchema.safeParse(blanksRemoved);
  if (!r.success) throw new ConfigError(`Invalid configuration:\n${describeIssues(r.error)}`);
  const c = r.data;
  return { issuer: c.ORDO_ISSUER, claimTtl: c.ORDO_CLAIM_TTL, claimMaxTtl: c.ORDO_CLAIM_MAX_TTL, earlyDays: c.ORDO_EARLY_DAYS, tz: c.ORDO_TZ, skew: 60 };
}
