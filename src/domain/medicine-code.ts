/**
 * Medicine and device codes checked against their system's format (design: "Formats"), and what
 * both signed documents share: text fields, ids, and turning zod issues into `{ path, message }`.
 */
import { z } from 'zod';
import { ACTOR_ID_PATTERN, codeSystems, formats } from './formats.js';

export { codeSystems, ean13Valid, nirKeyValid, type CodeSystem } from './formats.js';

// Control characters other than tab, line feed and carriage return have no place in a document.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A string of 1–max characters, not blank, without control characters. Validated, never altered (the signature covers it). */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim() !== '', 'must not be empty or blank')
    .refine((s) => !CONTROL.test(s), 'must not contain control characters');

/** An actor id: 1–64 of [A-Za-z0-9._-] (e.g. an RPPS or FINESS number). */
export const actorId = z.string().regex(ACTOR_ID_PATTERN, 'an actor id: 1–64 characters of A-Z a-z 0-9 . _ -');

/** A prescription id: 16 Crockford base32 symbols, upper case. */
export const prescriptionId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{16}$/, 'a prescription id: 16 Crockford base32 symbols (0-9 A-Z without I L O U)');

/**
 * A document `jti`: 1–128 printable ASCII characters without spaces. Looser than a request
 * token's jti (16–128): prescribing software numbers its documents (`rx-2026-11-28-0001`).
 */
export const documentJti = z.string().regex(/^[\x21-\x7e]{1,128}$/, '1–128 printable ASCII characters without spaces');

/** `iat`: whole seconds since the epoch. */
export const epochSeconds = z.number().int('whole seconds since the epoch').nonnegative('whole seconds since the epoch');

/** A code `{ system, value }`; the value is checked against its system's format. */
export const medicineCodeSchema = z
  .strictObject({ system: z.enum(codeSystems), value: z.string().min(1).max(200) })
  .superRefine((c, ctx) => {
    const f = formats[c.system];
    if (!f.test(c.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: `not a valid ${c.system} code: expected ${f.expected}` });
  });

export type MedicineCode = z.infer<typeof medicineCodeSchema>;

export type DocumentError = { path: string; message: string };

/** Messages an integrator can act on, for the issues zod words for developers. */
const explain: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `required (${issue.expected})`;
    if (issue.expected === 'int') return 'must be a whole number';
    return `must be ${issue.expected === 'array' ? 'an array' : `a ${issue.expected}`}, not ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'an array' : typeof issue.input}`;
  }
  if (issue.code === 'unrecognized_keys') return `unknown member${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}: not allowed here`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = issue.code === 'too_small' ? 'at least' : 'at most';
    const n = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
    if (issue.origin === 'string') return n === 1 && bound === 'at least' ? 'must not be empty' : `${bound} ${n} characters`;
    if (issue.origin === 'array') return `${bound} ${n} entr${n === 1 ? 'y' : 'ies'}`;
    if (issue.origin === 'number') return issue.inclusive === false ? `must be ${issue.code === 'too_small' ? 'greater' : 'less'} than ${n}` : `${bound} ${n}`;
  }
  return undefined;
};

/**
 * Parses with `schema`; on failure throws what `fail` builds from every issue as `{ path, message }`
 * (path dotted, e.g. `items.0.code.value`; the document itself is `(document)`).
 */
export function parseDocument<S extends z.ZodType>(schema: S, input: unknown, fail: (errors: DocumentError[]) => Error): z.output<S> {
  const r = schema.safeParse(input, { error: explain });
  if (r.success) return r.data;
  throw fail(r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(document)', message: i.message })));
}

/** `path: message; path: message`, for a problem's `detail`. */
export const summary = (errors: DocumentError[]) => errors.map((e) => `${e.path}: ${e.message}`).join('; ');
