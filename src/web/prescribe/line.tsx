/** One line of the form: the code (checked as it is typed), the product, dosage, quantity, pace, renewals, substitution. */
import { checkMedicineCode, codeSystems } from '../../domain/formats.js';
import { plural, type Translate } from '../i18n.js';
import type { I18n } from '../ui.js';
import type { LineDraft } from './draft.js';

/** What a code's format says about the value typed so far: null while empty. */
const codeCheck = (system: string, value: string) => (value ? checkMedicineCode(system, value) : null);

export const SUBSTITUTION_REASONS = ['MTE', 'EFG', 'CIF'] as const;

/** The props every field of the form gets: its id (from the document path) and whether it was refused. */
export const fieldProps = (invalid: Set<string>, path: string) => ({ id: `f-${path}`, 'aria-invalid': invalid.has(path) ? 'true' : 'false' });

export function LineEditor(props: I18n & { line: LineDraft; n: number; count: number; renewals: number; controlled: boolean; invalid: Set<string>; update: (l: LineDraft) => void; remove: () => void }) {
  const { t, line, n } = props;
  const set = (k: keyof LineDraft) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    props.update({ ...line, [k]: el.type === 'checkbox' ? el.checked : el.value });
  };
  const check = line.system === 'text' ? null : codeCheck(line.system, line.value);
  const path = (k: string) => `items.${n}.${k}`;
  const field = (k: string) => fieldProps(props.invalid, path(k));
  const own = Number(line.renewals);
  const deliveries = 1 + (line.ownRenewals && Number.isInteger(own) && own >= 0 ? own : props.renewals);
  return (
    <fieldset class="line" data-line={n}>
      <legend>{t('rx.item', { n: n + 1 })}</legend>
      <div class="grid">
        <label class="system">{t('rx.system')}
          <select name="system" {...field('code.system')} onChange={set('system')}>
            {codeSystems.map((s) => <option value={s} selected={s === line.system}>{t(`sys.${s}`)}</option>)}
          </select>
        </label>
        {line.system === 'text' ? (
          <p class="hint field">{t('rx.textCode')}</p>
        ) : (
          <div class="field">
            <label>{t('rx.codeValue')}
              <input name="code" {...field('code.value')} value={line.value} onInput={set('value')} inputmode={line.system === 'ATC' ? 'text' : 'numeric'}
                aria-invalid={(check && !check.ok) || props.invalid.has(path('code.value')) ? 'true' : 'false'} aria-describedby={`l${line.id}-check`} autocomplete="off" />
            </label>
            <span id={`l${line.id}-check`} class={`check ${check ? (check.ok ? 'ok' : 'bad') : ''}`} aria-live="polite">
              {check ? (check.ok ? `✓ ${t('rx.codeOk')}` : t('rx.codeBad', { expected: t(`fmt.${line.system}` as 'fmt.CIP13') })) : ''}
            </span>
          </div>
        )}
        <label class="wide">{t('rx.label')}<input name="label" {...field('label')} value={line.label} onInput={set('label')} maxlength={200} /></label>
        <label>{t('rx.activeIngredient')}<input name="activeIngredient" {...field('activeIngredient')} value={line.activeIngredient} onInput={set('activeIngredient')} maxlength={200} /></label>
        <label class="wide">{t('rx.dosage')}<input name="dosage" {...field('dosage')} value={line.dosage} onInput={set('dosage')} maxlength={500} /></label>
        <label>{t('rx.quantity')}<input name="quantity" {...field('quantity')} type="number" min={1} max={1000} step={1} value={line.quantity} onInput={set('quantity')} /></label>
        <label>{t('rx.unit')}<input name="unit" {...field('unit')} value={line.unit} onInput={set('unit')} maxlength={50} /></label>
        <label>{t('rx.supplyDays')}<input name="supplyDays" {...field('supplyDays')} type="number" min={1} max={366} step={1} value={line.supplyDays} onInput={set('supplyDays')} /></label>
        <label class="checkbox"><input name="substitutable" type="checkbox" checked={line.substitutable} onChange={set('substitutable')} />{t('rx.substitutable')}</label>
        {!line.substitutable && (
          <label>{t('rx.substitutionReason')}
            <select name="substitutionReason" {...field('substitutionReason')} onChange={set('substitutionReason')}>
              <option value="" selected={line.substitutionReason === ''}>{t('subst.none')}</option>
              {SUBSTITUTION_REASONS.map((r) => <option value={r} selected={r === line.substitutionReason}>{t(`subst.${r}`)}</option>)}
            </select>
          </label>
        )}
        {!props.controlled && (
          <div class="wide own-renewals">
            <label class="checkbox"><input name="ownRenewals" type="checkbox" checked={line.ownRenewals} onChange={set('ownRenewals')} />{t('rx.ownRenewals')}</label>
            {line.ownRenewals && (
              <label>{t('rx.lineRenewals')}
                <input name="lineRenewals" {...field('renewals')} type="number" min={0} max={11} step={1} value={line.renewals} onInput={set('renewals')} aria-describedby={`l${line.id}-rule`} />
              </label>
            )}
            {line.ownRenewals && <span id={`l${line.id}-rule`} class="hint">{deliveriesText(props, deliveries)}</span>}
          </div>
        )}
      </div>
      {props.count > 1 && <button type="button" class="quiet remove" onClick={props.remove}>{t('rx.removeItem', { n: n + 1 })}</button>}
    </fieldset>
  );
}

/** "Cette ligne peut être délivrée 3 fois en tout." — a line is dispensed once, then once per renewal. */
export const deliveriesText = (i: { t: Translate; lang: I18n['lang'] }, n: number) => plural(i, 'rx.lineRule', n);
