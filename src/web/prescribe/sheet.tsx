/** The printable prescription (A5 or A4) and the bar above it: paper, print, back. All in the page's language. */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import { locale, plural, quantityText } from '../i18n.js';
import { Alert, DataMatrixImage, formatDay, type I18n } from '../ui.js';
import type { RxContent } from './content.js';

/** A sheet to print: the content, the current code and its DataMatrix, and what the page says above it. */
export type SheetData = {
  id: string; code: string; svg: string; content: RxContent; issuedAt: string; validUntil: string;
  prescriber: { id: string; name: string | null; profession: string | null };
  /** Why it is shown: just issued, printed again with the same code, or with a new code. */
  note: 'issued' | 'reprinted' | 'rotated';
};

const bornKey = (sex?: string) => (sex === 'female' ? 'sheet.born.female' : sex === 'male' ? 'sheet.born.male' : 'sheet.born.other');

/** "MARTIN Jeanne, née le 12 mars 1948": the patient as the sheet and the list name them. */
export const patientLine = (i: I18n, p: RxContent['patient']) => `${p.family.toUpperCase()} ${p.given.join(' ')}, ${i.t(bornKey(p.sex), { date: formatDay(i.lang, p.birthDate) })}`;

/** What a line allows, after its dosage: code, days covered, renewals, substitution. */
function itemTerms(i: I18n, content: RxContent, item: RxContent['items'][number]): string {
  const renewals = item.renewals ?? content.renewals ?? 0;
  return [
    item.code.system !== 'text' ? `${item.code.system} ${item.code.value}` : '',
    item.supplyDays ? plural(i, 'sheet.days', item.supplyDays) : '',
    renewals > 0 ? plural(i, 'sheet.renewals', renewals) : '',
    item.substitutable === false ? i.t('sheet.nonSubstitutable', { reason: item.substitutionReason ?? '' }) : '',
  ].filter(Boolean).join(' · ');
}

export function PrintSheet(props: I18n & { sheet: SheetData; paper: 'a5' | 'a4' }) {
  const { t, lang, sheet } = props;
  const { content } = sheet;
  const p = content.patient;
  const structure = content.prescriber?.structure;
  const name = content.prescriber?.name ?? sheet.prescriber.name ?? sheet.prescriber.id;
  const profession = content.prescriber?.profession ?? sheet.prescriber.profession;
  return (
    <article class={`sheet ${props.paper}`} aria-label={t('sheet.title')}>
      <header>
        <div class="prescriber">
          <strong>{name}</strong>
          {profession && <div>{profession}</div>}
          {structure?.name && <div>{structure.name}</div>}
          {structure?.address && <div class="address">{structure.address}</div>}
          {structure?.phone && <div>{t('sheet.phone', { phone: structure.phone })}</div>}
          <div class="hint">RPPS {sheet.prescriber.id}</div>
        </div>
        <div class="dates">
          <div>{t('sheet.issued', { date: formatDay(lang, sheet.issuedAt) })}</div>
          <div><strong>{t('sheet.validUntil', { date: formatDay(lang, sheet.validUntil) })}</strong></div>
        </div>
      </header>
      <section class="patient">
        <h3>{t('sheet.patient')}</h3>
        <p><strong>{p.family.toUpperCase()}</strong> {p.given.join(' ')}, {t(bornKey(p.sex), { date: formatDay(lang, p.birthDate) })}</p>
        {(p.ins || p.weightKg !== undefined) && (
          <p class="identity">
            {p.ins && <span>{t('sheet.ins', { value: p.ins.value })}{p.ins.qualified ? ` ${t('sheet.insQualified')}` : ''}</span>}
            {p.weightKg !== undefined && <span>{t('sheet.weight', { kg: new Intl.NumberFormat(locale(lang)).format(p.weightKg) })}</span>}
          </p>
        )}
      </section>
      {content.controlled && <p class="controlled">{t('sheet.controlled')}</p>}
      <ol class="rx-items">
        {content.items.map((item) => (
          <li>
            <strong>{item.label}</strong> — {quantityText(item.quantity, item.unit)}
            {item.activeIngredient && <div class="hint">{t('sheet.dci', { name: item.activeIngredient })}</div>}
            <div>{item.dosage}</div>
            <div class="hint">{itemTerms(props, content, item)}</div>
          </li>
        ))}
      </ol>
      {content.notes && <p class="notes">{content.notes}</p>}
      {content.replaces && <p class="hint">{t('sheet.replaces', { id: content.replaces })}</p>}
      <section class="code-block">
        {sheet.svg && <DataMatrixImage svg={sheet.svg} label={t('sheet.code')} />}
        <div>
          <div class="hint">{t('sheet.code')}</div>
          <p class="code" data-testid="code">{sheet.code}</p>
          <div class="hint">{t('sheet.id', { id: sheet.id })}</div>
        </div>
      </section>
      <footer class="hint">{t('sheet.footer')}</footer>
    </article>
  );
}

/** The sheet with its bar: what happened, the paper, Print (which has the focus, so Enter prints), back to the list. */
export function SheetView(props: I18n & { sheet: SheetData; onBack: (() => void) | null }) {
  const { t, sheet } = props;
  const [paper, setPaper] = useState<'a5' | 'a4'>('a5');
  const print = useRef<HTMLButtonElement>(null);
  useEffect(() => print.current?.focus(), [sheet.code]);
  const note = sheet.note === 'issued' ? t('rx.issued') : sheet.note === 'rotated' ? t('rotate.done') : t('rx.reprinted');
  return (
    <>
      <div class="no-print sheet-note">
        <Alert kind={sheet.note === 'rotated' ? 'warn' : 'ok'}>{note}</Alert>
      </div>
      <div class="actions no-print">
        <label>{t('rx.paper')}
          <select name="paper" onChange={(e: Event) => setPaper((e.target as HTMLSelectElement).value as 'a5' | 'a4')}>
            <option value="a5" selected={paper === 'a5'}>A5</option>
            <option value="a4" selected={paper === 'a4'}>A4</option>
          </select>
        </label>
        <button type="button" ref={print} onClick={() => window.print()}>{t('rx.print')}</button>
        {props.onBack && <button type="button" class="quiet" onClick={props.onBack}>{t('rx.back')}</button>}
      </div>
      {sheet.note === 'issued' && sheet.content.replaces && <p class="no-print hint renewed">{t('renew.issued', { id: sheet.content.replaces })}</p>}
      <PrintSheet {...props} paper={paper} />
    </>
  );
}
