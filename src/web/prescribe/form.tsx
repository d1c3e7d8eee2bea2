/**
 * The prescription form, controlled by a `Draft` (draft.ts) that its owner keeps in sessionStorage.
 * `noValidate`: the browser's own bubbles speak the browser's language, not the page's; the form
 * checks itself (checks.ts) and lists what to fix in the page's words, as it does Ordo's refusals.
 */
import { nirKeyValid } from '../../domain/formats.js';
import { ruleWords } from '../i18n.js';
import { ruleErrorText, type RuleError } from '../rule-errors.js';
import { Alert, errorText, formatDay, type I18n } from '../ui.js';
import { blankLine, type Draft, type LineDraft } from './draft.js';
import { fieldProps, LineEditor } from './line.js';

/**
 * What went wrong last: the form's own findings, Ordo's refusal, or another failure; kept as
 * rules, not text, so that switching the language rewords them.
 */
export type FormError = { kind: 'check' | 'refused'; errors: RuleError[] } | { kind: 'other'; err: unknown };

function Errors(props: I18n & { error: FormError }) {
  const { t, lang, error } = props;
  if (error.kind === 'other') return <Alert>{errorText(props, error.err)}</Alert>;
  const words = ruleWords(t, lang);
  return (
    <div class="alert error" role="alert">
      <p>{t(error.kind === 'check' ? 'rx.checkFirst' : 'rx.refused')}</p>
      <ul>{error.errors.map((e) => <li>{ruleErrorText(words, e)}</li>)}</ul>
    </div>
  );
}

export function PrescriptionForm(props: I18n & {
  draft: Draft; setDraft: (d: Draft) => void; busy: boolean; error: FormError | null; invalid: Set<string>;
  onSubmit: () => void; onClear: () => void;
}) {
  const { t, lang, draft } = props;
  const put = (patch: Partial<Draft>) => props.setDraft({ ...draft, ...patch });
  const on = (k: keyof Draft) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    put({ [k]: el.type === 'checkbox' ? el.checked : el.value } as Partial<Draft>);
  };
  const onPractice = (k: keyof Draft['practice']) => (e: Event) => put({ practice: { ...draft.practice, [k]: (e.target as HTMLInputElement).value } });
  const setLine = (l: LineDraft) => put({ lines: draft.lines.map((x) => (x.id === l.id ? l : x)) });
  const f = (path: string) => fieldProps(props.invalid, path);
  const renewals = Number(draft.renewals);
  const docRenewals = Number.isInteger(renewals) && renewals >= 0 ? renewals : 0;
  const ins = draft.ins.trim();
  const submit = (e: Event) => {
    e.preventDefault();
    props.onSubmit();
  };
  return (
    <form class="prescription" noValidate onSubmit={submit}>
      {draft.replaces && (
        <div class="alert warn renewing" role="status">
          <p>{t('renew.notice', { date: formatDay(lang, draft.replaces.issuedAt), id: draft.replaces.id })}</p>
          <button type="button" class="quiet" onClick={() => put({ replaces: null })}>{t('renew.unlink')}</button>
        </div>
      )}
      <fieldset class="card">
        <legend>{t('rx.patient')}</legend>
        <div class="grid">
          <label>{t('rx.family')}<input name="family" {...f('patient.family')} value={draft.family} onInput={on('family')} maxlength={100} autocomplete="off" /></label>
          <label>{t('rx.given')} <span class="hint">({t('rx.givenHint')})</span><input name="given" {...f('patient.given')} value={draft.given} onInput={on('given')} maxlength={200} autocomplete="off" /></label>
          <label>{t('rx.birthDate')}<input name="birthDate" {...f('patient.birthDate')} type="date" value={draft.birthDate} onInput={on('birthDate')} /></label>
          <label>{t('rx.sex')}
            <select name="sex" {...f('patient.sex')} onChange={on('sex')}>
              {(['none', 'female', 'male', 'other', 'unknown'] as const).map((s) => {
                const value = s === 'none' ? '' : s;
                return <option value={value} selected={draft.sex === value}>{t(`rx.sex.${s}`)}</option>;
              })}
            </select>
          </label>
          <div class="field">
            <label>{t('rx.ins')}<input name="ins" {...f('patient.ins')} value={draft.ins} onInput={on('ins')} inputmode="numeric" maxlength={15} autocomplete="off" aria-describedby="ins-check" /></label>
            <span id="ins-check" class="check bad" aria-live="polite">{/^\d{15}$/.test(ins) && !nirKeyValid(ins) ? t('rx.insBadKey') : ''}</span>
          </div>
          <label class="checkbox"><input name="insQualified" type="checkbox" checked={draft.insQualified} onChange={on('insQualified')} />{t('rx.insQualified')}</label>
          <label>{t('rx.weight')}<input name="weightKg" {...f('patient.weightKg')} type="number" min={0.1} max={500} step={0.1} value={draft.weightKg} onInput={on('weightKg')} /></label>
        </div>
      </fieldset>
      <section class="card">
        <h2>{t('rx.items')}</h2>
        {draft.lines.map((line, n) => (
          <LineEditor {...props} line={line} n={n} count={draft.lines.length} renewals={docRenewals} controlled={draft.controlled} invalid={props.invalid}
            update={setLine} remove={() => put({ lines: draft.lines.filter((x) => x.id !== line.id) })} />
        ))}
        {draft.lines.length < 50 && <button type="button" class="quiet" onClick={() => put({ lines: [...draft.lines, blankLine()] })}>+ {t('rx.addItem')}</button>}
      </section>
      <fieldset class="card">
        <legend>{t('rx.options')}</legend>
        <div class="grid">
          <div class="field">
            <label>{t('rx.renewals')}<input name="renewals" {...f('renewals')} type="number" min={0} max={11} step={1} value={draft.renewals} onInput={on('renewals')} aria-describedby="renewals-rule" /></label>
            <span id="renewals-rule" class="hint">{draft.controlled ? t('rx.renewalsControlled') : docRenewals === 0 ? t('rx.renewalsNone') : t('rx.renewalsRule', { n: docRenewals + 1 })}</span>
          </div>
          <label>{t('rx.validUntil')} <span class="hint">({t('rx.validUntilHint')})</span><input name="validUntil" {...f('validUntil')} type="date" value={draft.validUntil} onInput={on('validUntil')} /></label>
          <label class="checkbox wide"><input name="controlled" type="checkbox" checked={draft.controlled} onChange={on('controlled')} />{t('rx.controlled')}</label>
          <label class="wide">{t('rx.notes')}<textarea name="notes" {...f('notes')} maxlength={2000} rows={2} value={draft.notes} onInput={on('notes')} /></label>
        </div>
      </fieldset>
      <fieldset class="card">
        <legend>{t('rx.practice')}</legend>
        <p class="hint">{t('rx.practiceHint')}</p>
        <div class="grid">
          <label>{t('rx.practiceName')}<input name="practiceName" {...f('prescriber.structure.name')} value={draft.practice.name} onInput={onPractice('name')} maxlength={200} autocomplete="organization" /></label>
          <label>{t('rx.practicePhone')}<input name="practicePhone" {...f('prescriber.structure.phone')} type="tel" value={draft.practice.phone} onInput={onPractice('phone')} maxlength={50} autocomplete="tel" /></label>
          <label class="wide">{t('rx.practiceAddress')}<input name="practiceAddress" {...f('prescriber.structure.address')} value={draft.practice.address} onInput={onPractice('address')} maxlength={500} autocomplete="street-address" /></label>
        </div>
      </fieldset>
      {props.error && <Errors {...props} error={props.error} />}
      <div class="row submit-row">
        <button type="submit" class="primary" disabled={props.busy}>{props.busy ? t('busy') : t('rx.submit')}</button>
        <button type="button" class="quiet" onClick={props.onClear}>{t('rx.clear')}</button>
      </div>
    </form>
  );
}
