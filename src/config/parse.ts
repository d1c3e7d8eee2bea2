/**
 * How a runtime's schema meets its environment: blanks removed, every issue turned into
 * "NAME: what a valid value is" from the variables table, all of them in one ConfigError.
 */
import type { z } from 'zod';
import { isVariable, variables } from './variables.js';

/** One bad variable (or, on Node, a secrets file) and what is wrong with it, for humans. */
export type ConfigProblem = { variable: string; message: string };

/**
 * Ordo cannot start with this configuration. The message names every bad variable on one line
 * ("Invalid configuration: PORT: a port number, 0 to 65535; ORDO_TZ: …") and never a secret or
 * a refused value, so it may be printed and answered (the Worker's 503) as it is.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(`Invalid configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
    this.problems = problems;
  }
}

/** The environment without its blank entries: a blank value counts as unset. */
export function withoutBlanks<T extends object>(env: T): Partial<T> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Partial<T>;
}

/** Zod's message for an issue it has no hand-written one for: the table's phrase for that variable. */
const expected: z.core.$ZodErrorMap = (issue) => {
  const name = issue.path?.[0];
  if (!isVariable(name)) return undefined;
  return `${issue.input === undefined ? 'required, ' : ''}${variables[name].expects}`;
};

/**
 * For a check across variables: run it once those variables parsed, even when others did not,
 * so that one start names every bad variable.
 */
export const whenParsed = (...names: string[]) => ({
  when: (payload: z.core.ParsePayload) => !payload.issues.some((i) => names.includes(String(i.path?.[0]))),
});

/** Parses `env` (blanks removed) with `schema`; throws ConfigError naming every bad variable. */
export function parseVariables<S extends z.ZodType>(schema: S, env: object): z.output<S> {
  const r = schema.safeParse(withoutBlanks(env), { error: expected });
  if (r.success) return r.data;
  const problems: ConfigProblem[] = [];
  for (const issue of r.error.issues) {
    const p = { variable: issue.path.map(String).join('.') || '(configuration)', message: issue.message };
    if (!problems.some((q) => q.variable === p.variable && q.message === p.message)) problems.push(p);
  }
  throw new ConfigError(problems);
}
