/** English words of /patient: the same keys as French. */
import type { patient as fr } from '../fr/patient.js';

export const patient: Record<keyof typeof fr, string> = {
  'patient.code': 'Prescription code',
  'patient.codeHint': '40 or 41 characters, as printed under the barcode',
  'patient.open': 'Show',
  'patient.show': 'Show this code at the counter',
  'patient.forget': 'Clear the screen',
};
