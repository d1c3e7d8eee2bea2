/**
 * The pages' words, French first and English second. The server sets `<html lang>` from
 * Accept-Language; a switch on every page overrides it and is remembered in localStorage (the
 * language only: never a code).
 */
import type { ProblemCode } from '../domain/errors.js';
import { en } from './i18n/en.js';
import { fr, type Key } from './i18n/fr.js';
import { documentErrors, type Words } from './rule-errors.js';

export type Lang = 'fr' | 'en';

const dictionaries: Record<Lang, Record<Key, string>> = { fr, en };
const STORAGE = 'ordo.lang';

export function initialLang(): Lang {
  const saved = globalThis.localStorage?.getItem(STORAGE);
  if (saved === 'fr' || saved === 'en') return saved;
  return document.documentElement.lang === 'en' ? 'en' : 'fr';
}

export function saveLang(lang: Lang): void {
  localStorage.setItem(STORAGE, lang);
  document.documentElement.lang = lang;
}

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const d = dictionaries[lang];
  return (key, vars = {}) => d[key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

export const locale = (lang: Lang) => (lang === 'fr' ? 'fr-FR' : 'en-GB');

/**
 * Plural forms: a key with forms is defined as `<base>.one` and `<base>.other` (French counts 0
 * and 1 as "one", English only 1), and `plural` picks the form for `n`, given as the `{n}` variable.
 */
export function plural(i: { t: Translate; lang: Lang }, base: string, n: number, vars: Record<string, string | number> = {}): string {
  const form = new Intl.PluralRules(locale(i.lang)).select(n) === 'one' ? 'one' : 'other';
  return i.t(`${base}.${form}` as Key, { n, ...vars });
}

/**
 * A quantity with its unit as the prescriber wrote it (French text, whatever the page's
 * language): from 2 on, the unit's first word takes the French plural `s` unless it already ends
 * in s, x or z ("2 boîtes", "3 flacons de 100 ml", "2 tubes").
 */
export function quantityText(n: number, unit: string): string {
  if (n < 2) return `${n} ${unit}`;
  const [first = '', ...rest] = unit.split(' ');
  const word = /[sxz]$/i.test(first) || !/\p{L}$/u.test(first) ? first : `${first}s`;
  return `${n} ${[word, ...rest].join(' ')}`;
}

/** French "de" before a label: "d’" before a vowel or a mute h ("1 boîte d’Amoxicilline"). */
export const deLabel = (label: string) => (/^[aeiouyhàâäéèêëîïôöùûüœæ]/i.test(label) ? `d’${label}` : `de ${label}`);

/** What rule-errors.ts needs to word a refused document: the translator, and calendar dates (YYYY-MM-DD) in full. */
export const ruleWords = (t: Translate, lang: Lang): Words => ({
  t,
  day: (date) => new Date(`${date}T12:00:00Z`).toLocaleDateString(locale(lang), { day: 'numeric', month: 'long', year: 'numeric' }),
});

/** A problem as the person at the screen should read it. */
export function problemMessage(t: Translate, lang: Lang, problem: { code: string; detail?: string; [k: string]: unknown }): string {
  const time = (iso: unknown) => (typeof iso === 'string' ? new Date(iso).toLocaleTimeString(locale(lang), { hour: '2-digit', minute: '2-digit' }) : '');
  const day = (iso: unknown) => (typeof iso === 'string' ? new Date(iso).toLocaleString(locale(lang), { dateStyle: 'long', timeStyle: 'short' }) : '');
  const key = `problem.${problem.code}` as Key;
  if (!(key in fr)) return t('problem.other', { detail: problem.detail ?? problem.code });
  // A refused document: each field as the prescribing form names it, each rule in words (rule-errors.ts).
  if (problem.code === 'invalid_document') {
    const rules = documentErrors(ruleWords(t, lang), problem);
    return t(key, { detail: rules.length > 0 ? rules.join(t('rule.join')) : t('rule.noDetail') });
  }
  return t(key, {
    detail: problem.detail ?? '',
    // A time alone when it is today, else the date too (a claim held for goods on order).
    claimedUntil: typeof problem.claimedUntil === 'string' && new Date(problem.claimedUntil).toDateString() !== new Date().toDateString() ? day(problem.claimedUntil) : time(problem.claimedUntil),
    // French: « jusqu’à 10:42 » today, « jusqu’au 3 décembre 2026 à 10:42 » another day.
    untilFr: typeof problem.claimedUntil === 'string' && new Date(problem.claimedUntil).toDateString() !== new Date().toDateString() ? `jusqu’au ${day(problem.claimedUntil)}` : `jusqu’à ${time(problem.claimedUntil)}`,
    heldBy: ((problem.heldBy as { name?: unknown } | undefined)?.name as string | undefined) || (lang === 'fr' ? 'une autre pharmacie' : 'another pharmacy'),
    nextDueAt: day(problem.nextDueAt),
    correctableUntil: day(problem.correctableUntil),
    serverTime: day(problem.serverTime),
    retryAfter: String(problem.retryAfter ?? ''),
    reason: typeof problem.reason === 'string' && problem.reason ? (lang === 'fr' ? ` : « ${problem.reason} »` : `: “${problem.reason}”`) : '',
  });
}

/** Whether both languages have their own words for a problem code (checked by the tests). */
export const hasMessage = (code: ProblemCode) => `problem.${code}` in fr && `problem.${code}` in en;
