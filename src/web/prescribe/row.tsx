/** One prescription in the list: who and what (when this browser has it), its state, what is left per line, when next, and the actions. */
import type { OrdoClient, PrescriberView } from '../../client/client.js';
import { quantityText } from '../i18n.js';
import { formatDay, formatWhen, StatusBadge, type I18n } from '../ui.js';
import { RowActions, type RowHandlers } from './actions.js';
import type { Kept } from './content.js';
import { patientLine } from './sheet.js';

/** A row of GET /v1/prescriptions: id, status, dates and the number of lines (never a patient or a medicine). */
export type Summary = Awaited<ReturnType<OrdoClient['list']>>['items'][number];

export function RxRow(props: I18n & RowHandlers & { summary: Summary; view: PrescriberView | undefined; kept: Kept | undefined; sentReason: string | undefined; now: number; revealing: boolean; onReveal: () => void }) {
  const { t, lang, summary, view, kept } = props;
  const when = (iso: string) => formatWhen(lang, iso, props.now);
  const title = `row-${summary.id}-title`;
  const status = view?.status ?? summary.status;
  return (
    <li class="rx-row card" data-id={summary.id} data-status={status}>
      <div class="rx-head">
        <h3 id={title}>{kept ? patientLine(props, kept.content.patient) : t('list.untitled', { date: formatDay(lang, summary.issuedAt) })}</h3>
        <StatusBadge {...props} status={status} />
      </div>
      <p class="hint rx-meta">
        <span>{t('list.issued', { when: when(summary.issuedAt) })}</span>
        <span>{t('view.validUntil', { date: formatDay(lang, view?.validUntil ?? summary.validUntil) })}</span>
        <span>{t('list.ref', { id: summary.id })}</span>
      </p>
      {!kept && (
        <p class="rx-unknown">
          <span class="hint">{t('list.unknown')}</span>{' '}
          <button type="button" class="quiet" disabled={props.revealing} aria-describedby={title} onClick={props.onReveal}>{props.revealing ? t('busy') : t('list.reveal')}</button>
        </p>
      )}
      {view ? (
        <ul class="rx-lines">
          {view.remaining.map((r) => {
            const item = kept?.content.items[r.item];
            const left = item ? quantityText(r.remaining, item.unit) : String(r.remaining);
            const due = r.remaining > 0 && r.dueAt ? ` · ${t('list.dueAt', { when: when(r.dueAt) })}` : '';
            return <li data-item={r.item}>{t('list.line', { label: item?.label ?? t('rx.item', { n: r.item + 1 }), left, total: r.total })}{due}</li>;
          })}
        </ul>
      ) : (
        <p class="hint">{t('busy')}</p>
      )}
      {status === 'claimed' && view?.claimedUntil && <p class="hold">{t('list.claimedUntil', { when: when(view.claimedUntil) })}</p>}
      {status === 'cancelled' && props.sentReason && <p class="cancel-reason">{t('list.cancelReason', { reason: props.sentReason })}</p>}
      <RowActions {...props} id={summary.id} status={status} describedBy={title} />
    </li>
  );
}
