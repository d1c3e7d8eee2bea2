/**
 * The pages' words in French, the first language: every key of the pages is defined here, one
 * file a page (fr/prescribe.ts, fr/counter.ts, fr/patient.ts) and what they share (fr/common.ts).
 */
import { common } from './fr/common.js';
import { counter } from './fr/counter.js';
import { patient } from './fr/patient.js';
import { prescribe } from './fr/prescribe.js';

export const fr = { ...common, ...prescribe, ...counter, ...patient };

export type Key = keyof typeof fr;
