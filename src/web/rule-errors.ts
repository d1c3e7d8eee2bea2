/**
 * A refused prescription in the words of the page: Ordo answers 422 `invalid_document` with
 * `errors: [{ path, message }]` in English for integrators (src/domain/prescription.ts,
 * src/domain/medicine-code.ts); the page names each field as its form shows it
 * ("Ligne 1 — Durée couverte (jours)") and says the rule in the page's language. The form's own
 * checks before sending (src/web/prescribe/checks.ts) use the same rules, so both read alike.
 * No JSON path and no English message ever reaches the screen: an unknown field is "the
 * document", an unknown rule "value refused".
 */
import type { Key } from './i18n/fr.js';

export type Words = { t: (key: Key, vars?: Record<string, string | number>) => string; day: (date: string) => string };

export const ruleNames = [
  'required', 'controlledDays', 'controlledDaysMax', 'controlledRenewals', 'future', 'past', 'validControlled', 'validYear', 'code', 'textCode',
  'reasonRequired', 'reasonWithoutFlag', 'ins', 'oid', 'date', 'control', 'maxChars', 'whole', 'greater', 'less', 'min', 'max', 'oneOf', 'type',
  'unknown', 'clock', 'stale', 'replaces', 'other',
] as const;
export type RuleName = (typeof ruleNames)[number];

/** One refused field: where (a document path, as Ordo names it) and which rule. */
export type RuleError = { path: string; rule: RuleName; vars?: Record<string, string | number> };

const DATE = '(\\d{4}-\\d{2}-\\d{2})';
/** Ordo's English messages, most specific first: the rule, and the variables the words need. */
const MESSAGES: [RegExp, RuleName, (m: RegExpExecArray) => Record<string, string>][] = [
  [/^required on a controlled prescription \(at most (\d+)\)/, 'controlledDays', (m) => ({ n: m[1]! })],
  [/^at most (\d+) on a controlled prescription/, 'controlledDaysMax', (m) => ({ n: m[1]! })],
  [/a controlled prescription cannot be renewed/, 'controlledRenewals', () => ({})],
  [/^is in the future/, 'future', () => ({})],
  [new RegExp(`^is in the past \\(the legal date is ${DATE}\\)`), 'past', (m) => ({ date: m[1]! })],
  [new RegExp(`^at most ${DATE} \\((\\d+) days for a controlled prescription`), 'validControlled', (m) => ({ date: m[1]!, n: m[2]! })],
  [new RegExp(`^at most ${DATE} \\(one year`), 'validYear', (m) => ({ date: m[1]! })],
  [/^not a valid (\w+) code/, 'code', (m) => ({ system: m[1]! })],
  [/value must equal the label/, 'textCode', () => ({})],
  [/^required when substitutable is false/, 'reasonRequired', () => ({})],
  [/^must be false when a substitutionReason/, 'reasonWithoutFlag', () => ({})],
  [/^an INS: 15 digits/, 'ins', () => ({})],
  [/^an OID/, 'oid', () => ({})],
  [/^must be a real calendar date/, 'date', () => ({})],
  [/^(required\b|must not be empty)/, 'required', () => ({})],
  [/control characters/, 'control', () => ({})],
  [/^at most (\d+) characters/, 'maxChars', (m) => ({ n: m[1]! })],
  [/^must be a whole number/, 'whole', () => ({})],
  [/^must be greater than (\S+)/, 'greater', (m) => ({ n: m[1]! })],
  [/^must be less than (\S+)/, 'less', (m) => ({ n: m[1]! })],
  [/^at least (\d+(?:\.\d+)?)( entr|$)/, 'min', (m) => ({ n: m[1]! })],
  [/^at most (\d+(?:\.\d+)?)( entr|$)/, 'max', (m) => ({ n: m[1]! })],
  [/^must be one of/, 'oneOf', () => ({})],
  [/^must be an? /, 'type', () => ({})],
  [/^unknown member/, 'unknown', () => ({})],
  [/ahead of the server's clock/, 'clock', () => ({})],
  [/more than 24 hours old/, 'stale', () => ({})],
];

/** Ordo's `{ path, message }` as a rule this page has words for (`other` when it has none). */
export function ruleOfServer(e: { path: string; message: string }): RuleError {
  for (const [pattern, rule, vars] of MESSAGES) {
    const m = pattern.exec(e.message);
    if (m) return { path: e.path, rule, vars: vars(m) };
  }
  return { path: e.path, rule: 'other' };
}

const PATIENT: Record<string, Key> = { family: 'rx.family', given: 'rx.given', birthDate: 'rx.birthDate', sex: 'rx.sex', ins: 'rx.ins', weightKg: 'rx.weight' };
const PRACTICE: Record<string, Key> = { name: 'rx.practiceName', address: 'rx.practiceAddress', phone: 'rx.practicePhone' };
const ITEM: Record<string, Key> = {
  code: 'rx.codeValue', label: 'rx.label', activeIngredient: 'rx.activeIngredient', dosage: 'rx.dosage', quantity: 'rx.quantity', unit: 'rx.unit',
  supplyDays: 'rx.supplyDays', renewals: 'rx.lineRenewals', substitutable: 'rx.substitutable', substitutionReason: 'rx.substitutionReason',
};
const TOP: Record<string, Key> = { renewals: 'rx.renewals', validUntil: 'rx.validUntil', controlled: 'rx.controlledField', notes: 'rx.notes', replaces: 'rx.replaces', iat: 'rx.signature', items: 'rx.items' };

/** The field at `path` as the form shows it: "Patient — Nom", "Ligne 2 — Posologie", "Valable jusqu’au". */
export function fieldName(t: Words['t'], path: string): string {
  const [head = '', second, third] = path.split('.');
  const group = (g: string, field: Key | undefined) => (field ? t('rule.field', { group: g, field: t(field) }) : g);
  if (head === 'patient') return group(t('rx.patient'), PATIENT[second ?? '']);
  if (head === 'prescriber') return second === 'structure' && third && PRACTICE[third] ? t(PRACTICE[third]) : t('rx.practice');
  if (head === 'items' && second !== undefined && /^\d+$/.test(second)) {
    const n = Number(second) + 1;
    const field = third === 'code' && path.endsWith('.system') ? 'rx.system' : ITEM[third ?? ''];
    return group(t('rx.item', { n }), field);
  }
  return t(TOP[head] ?? 'rx.document');
}

/** "Ligne 1 — Durée couverte (jours) : obligatoire pour un stupéfiant (28 jours au plus)". */
export function ruleErrorText(w: Words, e: RuleError): string {
  const vars = { ...e.vars };
  if (typeof vars.date === 'string') vars.date = w.day(vars.date);
  if (e.rule === 'code') vars.expected = w.t(`fmt.${vars.system}` as Key);
  return w.t('rule.line', { field: fieldName(w.t, e.path), rule: w.t(`rule.${e.rule}`, vars) });
}

/** Every error of an `invalid_document` problem as a rule; empty when Ordo gave no list it could read. */
export function documentRules(problem: { detail?: string; errors?: unknown }): RuleError[] {
  const list = Array.isArray(problem.errors) ? (problem.errors as { path?: unknown; message?: unknown }[]) : [];
  const errors = list.filter((e) => typeof e?.path === 'string' && typeof e.message === 'string') as { path: string; message: string }[];
  if (errors.length > 0) return errors.map(ruleOfServer);
  // Refusals without a list (src/service/issue.ts): the one a prescriber can meet, renewing.
  if (/^replaces\b/.test(problem.detail ?? '')) return [{ path: 'replaces', rule: 'replaces' }];
  return [];
}

/** Every error of an `invalid_document` problem, in words. */
export const documentErrors = (w: Words, problem: { detail?: string; errors?: unknown }): string[] => documentRules(problem).map((e) => ruleErrorText(w, e));
