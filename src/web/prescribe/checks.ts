/**
 * What the form checks itself before anything is signed: the rules of the prescription document
 * it can see (docs/design.md § The prescription document), as the same `RuleError`s that Ordo's
 * refusals become (src/web/rule-errors.ts), so the words are the same whoever found the fault.
 */
import { localDate } from '../../domain/calendar.js';
import { checkMedicineCode } from '../../domain/formats.js';
import { CONTROLLED_DAYS, latestValidUntil } from '../../domain/terms.js';
import type { RuleError } from '../rule-errors.js';
import type { Draft } from './draft.js';

/** Today in this browser's zone, YYYY-MM-DD. */
export const today = () => localDate(Date.now(), Intl.DateTimeFormat().resolvedOptions().timeZone);

/** A whole number between min and max, or the rule it breaks (blank allowed unless `required`). */
function wholeIn(path: string, value: string, min: number, max: number, required: boolean): RuleError | null {
  const v = value.trim();
  if (v === '') return required ? { path, rule: 'required' } : null;
  const n = Number(v);
  if (!Number.isFinite(n)) return { path, rule: 'type' };
  if (!Number.isInteger(n)) return { path, rule: 'whole' };
  if (n < min) return { path, rule: 'min', vars: { n: min } };
  if (n > max) return { path, rule: 'max', vars: { n: max } };
  return null;
}

export function checkDraft(d: Draft, now = today()): RuleError[] {
  const errors: (RuleError | null)[] = [];
  const required = (path: string, value: string) => errors.push(value.trim() === '' ? { path, rule: 'required' } : null);

  required('patient.family', d.family);
  required('patient.given', d.given);
  if (!d.birthDate) errors.push({ path: 'patient.birthDate', rule: 'required' });
  else if (d.birthDate > now) errors.push({ path: 'patient.birthDate', rule: 'future' });
  if (d.ins.trim() && !/^\d{15}$/.test(d.ins.trim())) errors.push({ path: 'patient.ins', rule: 'ins' });
  if (d.weightKg.trim()) {
    const kg = Number(d.weightKg);
    if (!(kg > 0)) errors.push({ path: 'patient.weightKg', rule: 'greater', vars: { n: 0 } });
    else if (kg > 500) errors.push({ path: 'patient.weightKg', rule: 'max', vars: { n: 500 } });
  }

  d.lines.forEach((l, i) => {
    const at = (f: string) => `items.${i}.${f}`;
    if (l.system !== 'text') {
      if (!l.value.trim()) errors.push({ path: at('code.value'), rule: 'required' });
      else if (!checkMedicineCode(l.system, l.value.trim()).ok) errors.push({ path: at('code.value'), rule: 'code', vars: { system: l.system } });
    }
    required(at('label'), l.label);
    required(at('dosage'), l.dosage);
    errors.push(wholeIn(at('quantity'), l.quantity, 1, 1000, true));
    required(at('unit'), l.unit);
    const days = wholeIn(at('supplyDays'), l.supplyDays, 1, 366, false);
    errors.push(days);
    if (d.controlled && !days) {
      if (!l.supplyDays.trim()) errors.push({ path: at('supplyDays'), rule: 'controlledDays', vars: { n: CONTROLLED_DAYS } });
      else if (Number(l.supplyDays) > CONTROLLED_DAYS) errors.push({ path: at('supplyDays'), rule: 'controlledDaysMax', vars: { n: CONTROLLED_DAYS } });
    }
    if (l.ownRenewals) {
      const renewals = wholeIn(at('renewals'), l.renewals, 0, 11, true);
      errors.push(renewals);
      if (!renewals && d.controlled && Number(l.renewals) > 0) errors.push({ path: at('renewals'), rule: 'controlledRenewals' });
    }
    if (!l.substitutable && !l.substitutionReason) errors.push({ path: at('substitutionReason'), rule: 'reasonRequired' });
  });

  const renewals = wholeIn('renewals', d.renewals, 0, 11, false);
  errors.push(renewals);
  if (!renewals && d.controlled && Number(d.renewals) > 0) errors.push({ path: 'renewals', rule: 'controlledRenewals' });
  if (d.validUntil) {
    const latest = latestValidUntil(now, d.controlled);
    if (d.validUntil < now) errors.push({ path: 'validUntil', rule: 'past', vars: { date: now } });
    else if (d.validUntil > latest) errors.push({ path: 'validUntil', rule: d.controlled ? 'validControlled' : 'validYear', vars: { date: latest, n: CONTROLLED_DAYS } });
  }
  return errors.filter((e): e is RuleError => e !== null);
}
