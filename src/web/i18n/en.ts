/** The pages' words in English: the same keys as French, every one of them (one file a page, as fr/). */
import { common } from './en/common.js';
import { counter } from './en/counter.js';
import { patient } from './en/patient.js';
import { prescribe } from './en/prescribe.js';
import type { Key } from './fr.js';

export const en: Record<Key, string> = { ...common, ...prescribe, ...counter, ...patient };
