/**
 * /prescribe — the prescriber fills in a prescription, signs it in the browser with their
 * non-extractable key, sends it, and prints the sheet the patient takes away (A5 or A4).
 */
import { render, useState } from 'hono/jsx/dom';
import type { Issued } from '../client/client.js';
import { decodeJwt } from 'jose';
import { checkMedicineCode, codeSystems } from '../domain/formats.js';
import { Alert, DataMatrixImage, errorText, formatDay, Header, KeyPanel, useLang, useStoredKey, clientFor, type Content, type I18n } from './ui.js';

type Line = {
  id: number; system: string; value: string; label: string; dosage: string; quantity: string; unit: string;
  supplyDays: string; renewals: string; substitutable: boolean; substitutionReason: string;
};
let nextLine = 1;
const blankLine = (): Line => ({
  id: nextLine++, system: 'CIP13', value: '', label: '', dosage: '', quantity: '1', unit: 'boîte', supplyDays: '', renewals: '', substitutable: true, substitutionReason: '',
});

/** What a code's format says about the value typed so far: null while empty. */
const codeCheck = (system: string, value: string) => (value ? checkMedicineCode(system, value) : null);

function ItemEditor(props: I18n & { line: Line; n: number; count: number; update: (l: Line) => void; remove: () => void }) {
  const { t, line, n } = props;
  const set = (k: keyof Line) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    props.update({ ...line, [k]: el.type === 'checkbox' ? el.checked : el.value });
  };
  const check = codeCheck(line.system, line.value);
  const id = (k: string) => `l${line.id}-${k}`;
  return (
    <fieldset class="line" data-line={n}>
      <legend>{t('rx.item', { n: n + 1 })}</legend>
      <div class="grid">
        <label>{t('rx.system')}
          <select name="system" value={line.system} onChange={set('system')}>
            {codeSystems.map((s) => <option value={s} selected={s === line.system}>{s}</option>)}
          </select>
        </label>
        <div class="field">
          <label>{t('rx.codeValue')}
            <input name="code" value={line.value} onInput={set('value')} required inputmode={line.system === 'CIP13' ? 'numeric' : 'text'}
              aria-invalid={check && !check.ok ? 'true' : 'false'} aria-describedby={id('check')} autocomplete="off" />
          </label>
          <span id={id('check')} class={`check ${check ? (check.ok ? 'ok' : 'bad') : ''}`} aria-live="polite">
            {check ? (check.ok ? `✓ ${t('rx.codeOk')}` : t('rx.codeBad', { expected: t(`fmt.${line.system}` as 'fmt.CIP13') })) : ''}
          </span>
        </div>
        <label class="wide">{t('rx.label')}<input name="label" value={line.label} onInput={set('label')} required maxlength={200} /></label>
        <label class="wide">{t('rx.dosage')}<input name="dosage" value={line.dosage} onInput={set('dosage')} required maxlength={500} /></label>
        <label>{t('rx.quantity')}<input name="quantity" type="number" min={1} max={1000} step={1} value={line.quantity} onInput={set('quantity')} required /></label>
        <label>{t('rx.unit')}<input name="unit" value={line.unit} onInput={set('unit')} required maxlength={50} /></label>
        <label>{t('rx.supplyDays')}<input name="supplyDays" type="number" min={1} max={366} step={1} value={line.supplyDays} onInput={set('supplyDays')} /></label>
        <label>{t('rx.itemRenewals')}<input name="renewals" type="number" min={0} max={11} step={1} value={line.renewals} onInput={set('renewals')} /></label>
        <label class="checkbox"><input name="substitutable" type="checkbox" checked={line.substitutable} onChange={set('substitutable')} />{t('rx.substitutable')}</label>
        {!line.substitutable && (
          <label>{t('rx.substitutionReason')}
            <select name="substitutionReason" value={line.substitutionReason} onChange={set('substitutionReason')} required>
              <option value="" selected={line.substitutionReason === ''}>—</option>
              {['MTE', 'EFG', 'CIF'].map((r) => <option value={r} selected={r === line.substitutionReason}>{r}</option>)}
            </select>
          </label>
        )}
      </div>
      {props.count > 1 && <button type="button" class="quiet remove" onClick={props.remove}>{t('rx.removeItem', { n: n + 1 })}</button>}
    </fieldset>
  );
}

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

function buildDocument(form: HTMLFormElement, lines: Line[]): Record<string, unknown> {
  const v = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? '';
  const controlled = (form.elements.namedItem('controlled') as HTMLInputElement).checked;
  const weight = num(v('weightKg'));
  return {
    patient: {
      family: v('family'),
      given: v('given').split(/\s+/).filter(Boolean),
      birthDate: v('birthDate'),
      ...(v('sex') && { sex: v('sex') }),
      ...(weight !== undefined && { weightKg: weight }),
    },
    items: lines.map((l) => ({
      code: { system: l.system, value: l.system === 'text' ? l.label.trim() : l.value.trim() },
      label: l.label.trim(),
      dosage: l.dosage.trim(),
      quantity: Number(l.quantity),
      unit: l.unit.trim(),
      ...(num(l.supplyDays) !== undefined && { supplyDays: num(l.supplyDays) }),
      ...(num(l.renewals) !== undefined && { renewals: num(l.renewals) }),
      substitutable: l.substitutable,
      ...(!l.substitutable && l.substitutionReason && { substitutionReason: l.substitutionReason }),
    })),
    renewals: num(v('renewals')) ?? 0,
    controlled,
    ...(v('validUntil') && { validUntil: v('validUntil') }),
    ...(v('notes') && { notes: v('notes') }),
  };
}

type Sheet = { issued: Issued; content: Content; prescriber: { id: string; name: string | null; profession: string | null } };

/** The printable prescription: prescriber, patient, items, DataMatrix, code, validity. */
function PrintSheet(props: I18n & { sheet: Sheet; paper: 'a5' | 'a4' }) {
  const { t, lang, sheet } = props;
  const { content, issued } = sheet;
  const svg = issued.datamatrix && 'svg' in issued.datamatrix ? issued.datamatrix.svg : '';
  // The legal date: the `at` of the `issued` event, from Ordo's receipt.
  const issuedOn = (decodeJwt(issued.receipt) as { evt: { at: string } }).evt.at;
  return (
    <article class={`sheet ${props.paper}`} aria-label={t('sheet.title')}>
      <header>
        <div class="prescriber">
          <strong>{sheet.prescriber.name ?? content.prescriber?.name ?? sheet.prescriber.id}</strong>
          {(sheet.prescriber.profession ?? content.prescriber?.profession) && <div>{sheet.prescriber.profession ?? content.prescriber?.profession}</div>}
          {content.prescriber?.structure?.name && <div>{content.prescriber.structure.name}</div>}
          {content.prescriber?.structure?.address && <div>{content.prescriber.structure.address}</div>}
          <div class="hint">RPPS {sheet.prescriber.id}</div>
        </div>
        <div class="dates">
          <div>{t('sheet.issued', { date: formatDay(lang, issuedOn) })}</div>
          <div><strong>{t('sheet.validUntil', { date: formatDay(lang, issued.validUntil) })}</strong></div>
        </div>
      </header>
      <section class="patient">
        <h3>{t('sheet.patient')}</h3>
        <p><strong>{content.patient.family.toUpperCase()}</strong> {content.patient.given.join(' ')}, {t('sheet.born', { date: formatDay(lang, content.patient.birthDate) })}</p>
      </section>
      {content.controlled && <p class="controlled">{t('sheet.controlled')}</p>}
      <ol class="rx-items">
        {content.items.map((item) => (
          <li>
            <strong>{item.label}</strong> — {item.quantity} {item.unit}
            <div>{item.dosage}</div>
            <div class="hint">
              {item.code.system !== 'text' && `${item.code.system} ${item.code.value}`}
              {item.supplyDays ? ` · ${item.supplyDays} j` : ''}
              {(item.renewals ?? content.renewals ?? 0) > 0 ? ` · ${t('sheet.renewals', { n: item.renewals ?? content.renewals ?? 0 })}` : ''}
              {item.substitutable === false ? ` · ${t('sheet.nonSubstitutable', { reason: item.substitutionReason ?? '' })}` : ''}
            </div>
          </li>
        ))}
      </ol>
      {content.notes && <p class="notes">{content.notes}</p>}
      <section class="code-block">
        {svg && <DataMatrixImage svg={svg} label={t('sheet.code')} />}
        <div>
          <div class="hint">{t('sheet.code')}</div>
          <p class="code" data-testid="code">{issued.code}</p>
          <div class="hint">{t('sheet.id', { id: issued.id })}</div>
        </div>
      </section>
      <footer class="hint">{t('sheet.footer')}</footer>
    </article>
  );
}

function PrescribePage() {
  const { lang, t, setLang } = useLang('prescribe');
  const i = { lang, t };
  const { stored, setStored, name, ready } = useStoredKey('prescriber');
  const [lines, setLines] = useState<Line[]>([blankLine()]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sheet, setSheet] = useState<Sheet | null>(null);
  const [paper, setPaper] = useState<'a5' | 'a4'>('a5');

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!stored) return;
    setBusy(true);
    setError(null);
    try {
      const doc = buildDocument(e.target as HTMLFormElement, lines);
      const client = clientFor(stored);
      const issued = await client.prescribe(doc, { datamatrix: 'svg' });
      const entry = await client.directory(stored.actorId).catch(() => null);
      setSheet({ issued, content: doc as unknown as Content, prescriber: { id: stored.actorId, name: entry?.name ?? null, profession: entry?.profession ?? null } });
    } catch (err) {
      setError(errorText(i, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Header {...i} page="prescribe" setLang={setLang} />
      <main>
        <h1>{t('app.prescribe')}</h1>
        {ready && <KeyPanel {...i} role="prescriber" current={stored} name={name} onKey={setStored} />}
        {stored && sheet && (
          <>
            <div class="actions no-print">
              <Alert kind="ok">{t('rx.issued')}</Alert>
              <label>{t('rx.paper')}
                <select name="paper" onChange={(e: Event) => setPaper((e.target as HTMLSelectElement).value as 'a5' | 'a4')}>
                  <option value="a5" selected={paper === 'a5'}>A5</option>
                  <option value="a4" selected={paper === 'a4'}>A4</option>
                </select>
              </label>
              <button type="button" onClick={() => window.print()}>{t('rx.print')}</button>
              <button type="button" class="quiet" onClick={() => { setSheet(null); setLines([blankLine()]); }}>{t('rx.new')}</button>
            </div>
            <PrintSheet {...i} sheet={sheet} paper={paper} />
          </>
        )}
        {stored && !sheet && (
          <form class="prescription" onSubmit={submit}>
            <fieldset class="card">
              <legend>{t('rx.patient')}</legend>
              <div class="grid">
                <label>{t('rx.family')}<input name="family" required maxlength={100} autocomplete="off" /></label>
                <label>{t('rx.given')} <span class="hint">({t('rx.givenHint')})</span><input name="given" required maxlength={200} autocomplete="off" /></label>
                <label>{t('rx.birthDate')}<input name="birthDate" type="date" required /></label>
                <label>{t('rx.sex')}
                  <select name="sex">
                    {(['none', 'female', 'male', 'other', 'unknown'] as const).map((s) => <option value={s === 'none' ? '' : s}>{t(`rx.sex.${s}`)}</option>)}
                  </select>
                </label>
                <label>{t('rx.weight')}<input name="weightKg" type="number" min={0.1} max={500} step={0.1} /></label>
              </div>
            </fieldset>
            <section class="card">
              <h2>{t('rx.items')}</h2>
              {lines.map((line, n) => (
                <ItemEditor {...i} line={line} n={n} count={lines.length}
                  update={(l) => setLines(lines.map((x) => (x.id === l.id ? l : x)))}
                  remove={() => setLines(lines.filter((x) => x.id !== line.id))} />
              ))}
              {lines.length < 50 && <button type="button" class="quiet" onClick={() => setLines([...lines, blankLine()])}>+ {t('rx.addItem')}</button>}
            </section>
            <fieldset class="card">
              <legend>{t('rx.options')}</legend>
              <div class="grid">
                <label>{t('rx.renewals')}<input name="renewals" type="number" min={0} max={11} step={1} value="0" /></label>
                <label>{t('rx.validUntil')} <span class="hint">({t('rx.validUntilHint')})</span><input name="validUntil" type="date" /></label>
                <label class="checkbox wide"><input name="controlled" type="checkbox" />{t('rx.controlled')}</label>
                <label class="wide">{t('rx.notes')}<textarea name="notes" maxlength={2000} rows={2} /></label>
              </div>
            </fieldset>
            {error && <Alert>{error}</Alert>}
            <button type="submit" class="primary" disabled={busy}>{busy ? t('busy') : t('rx.submit')}</button>
          </form>
        )}
      </main>
    </>
  );
}

render(<PrescribePage />, document.getElementById('app')!);
