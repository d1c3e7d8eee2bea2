/**
 * The dispensing form, one row an item: how much now, substitution, lot, expiry, or why not.
 * Pre-filled with what may be dispensed now (`min(quantity, dispensableNow)`): a paced line that
 * is not due yet says from when and starts at 0. To correct a record, the same form pre-filled
 * with the record's lines (a correction is a whole record: every line as it should have been).
 */
import type { Child } from 'hono/jsx/dom';
import type { DispenseLineInput, Remaining } from '../../client/client.js';
import { dispensingReasons } from '../../domain/formats.js';
import { quantityText } from '../i18n.js';
import { formatDay, type Content, type I18n } from '../ui.js';

type Item = Content['items'][number];

/** What a row starts with, and the most it may take. */
type RowStart = { quantity: number; max: number; substitution: string; lot: string; expiry: string; reason: string; notBefore: string | null };

function rowStart(item: Item, n: number, remaining: Remaining, record: DispenseLineInput[] | undefined): RowStart {
  const r = remaining.find((x) => x.item === n);
  const left = r?.remaining ?? 0;
  if (record) {
    // A correction: what the record said, up to what is left plus what the record took.
    const line = record.find((l) => l.item === n);
    const q = line?.quantity ?? 0;
    return { quantity: q, max: left + q, substitution: line?.substitution?.type ?? '', lot: line?.lot ?? '', expiry: line?.expiry ?? '', reason: line?.reason ?? '', notBefore: null };
  }
  const now = Math.min(left, r?.dispensableNow ?? left);
  const notBefore = now === 0 && left > 0 && r?.dueAt ? r.dueAt : null;
  return { quantity: Math.min(item.quantity, now), max: left, substitution: '', lot: '', expiry: '', reason: '', notBefore };
}

/** The lines the form holds: a line an item given a quantity or a reason. */
function linesOf(form: HTMLFormElement, count: number): DispenseLineInput[] {
  const field = (n: number, name: string) => (form.querySelector(`[name="${name}-${n}"]`) as HTMLInputElement | null)?.value.trim() ?? '';
  const lines: DispenseLineInput[] = [];
  for (let n = 0; n < count; n++) {
    const quantity = Number(field(n, 'quantity') || '0');
    const reason = field(n, 'reason');
    if (!(quantity > 0) && !reason) continue;
    const substitution = field(n, 'substitution');
    lines.push({
      item: n,
      quantity,
      substitution: substitution && quantity > 0 ? { type: substitution as 'generic' } : null,
      reason: quantity > 0 ? null : (reason as DispenseLineInput['reason']),
      ...(quantity > 0 && field(n, 'lot') && { lot: field(n, 'lot') }),
      ...(quantity > 0 && field(n, 'expiry') && { expiry: field(n, 'expiry') }),
    });
  }
  return lines;
}

export function DispenseForm(props: I18n & { items: Item[]; remaining: Remaining; record?: DispenseLineInput[]; busy: boolean; submit: string; onSend: (lines: DispenseLineInput[]) => void; heading?: Child; children?: Child }) {
  const { t, lang } = props;
  const submit = (e: Event) => {
    e.preventDefault();
    props.onSend(linesOf(e.target as HTMLFormElement, props.items.length));
  };
  return (
    <form class={`dispense card${props.record ? ' correcting' : ''}`} onSubmit={submit}>
      {props.heading}
      <div class="table-scroll">
        <table class="items">
          <thead>
            <tr>
              <th scope="col">{t('view.item')}</th>
              <th scope="col" class="num">{t('counter.remainingCol')}</th>
              <th scope="col">{t('counter.now')}</th>
              <th scope="col">{t('counter.substitution')}</th>
              <th scope="col">{t('counter.lot')}</th>
              <th scope="col">{t('counter.expiry')}</th>
              <th scope="col">{t('counter.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((item, n) => {
              const s = rowStart(item, n, props.remaining, props.record);
              const left = props.remaining.find((r) => r.item === n)?.remaining ?? 0;
              const label = (what: string) => `${what} — ${item.label}`;
              const off = s.max === 0;
              return (
                <tr data-item={n}>
                  <th scope="row">{item.label}<div class="hint">{t('counter.perDelivery', { what: quantityText(item.quantity, item.unit) })}</div></th>
                  <td class="num" data-label={t('counter.remainingCol')}>{left}</td>
                  <td data-label={t('counter.now')}>
                    <input name={`quantity-${n}`} aria-label={label(t('counter.now'))} aria-describedby={s.notBefore ? `not-before-${n}` : undefined} type="number" min={0} max={s.max} step={1} value={String(s.quantity)} disabled={off} />
                    {s.notBefore && <div id={`not-before-${n}`} class="not-before">{t('counter.notBefore', { date: formatDay(lang, s.notBefore) })}</div>}
                  </td>
                  <td data-label={t('counter.substitution')}>
                    <select name={`substitution-${n}`} aria-label={label(t('counter.substitution'))} disabled={item.substitutable === false || off}>
                      {(['', 'generic', 'biosimilar', 'other'] as const).map((v) => <option value={v} selected={v === s.substitution}>{t(`counter.substitution.${v || 'none'}` as 'counter.substitution.none')}</option>)}
                    </select>
                  </td>
                  <td data-label={t('counter.lot')}><input name={`lot-${n}`} aria-label={label(t('counter.lot'))} maxlength={64} size={8} value={s.lot} disabled={off} /></td>
                  <td data-label={t('counter.expiry')}><input name={`expiry-${n}`} aria-label={label(t('counter.expiry'))} type="month" value={s.expiry} disabled={off} /></td>
                  <td data-label={t('counter.reason')}>
                    <select name={`reason-${n}`} aria-label={label(t('counter.reason'))} disabled={off}>
                      <option value="">{t('counter.reason.none')}</option>
                      {dispensingReasons.map((r) => <option value={r} selected={r === s.reason}>{t(`counter.reason.${r}`)}</option>)}
                    </select>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={props.busy}>{props.submit}</button>
        <span class="more-actions">{props.children}</span>
      </div>
    </form>
  );
}
