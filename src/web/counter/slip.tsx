/**
 * The dispensing slip the patient takes away (printed on A5, like the prescription sheet): what
 * was given with lot and expiry, what remains and from when, the pharmacy by its directory name,
 * and the short reference of Ordo's signed receipt — the first 12 characters of the event's
 * hash, in groups of four, that a person can read out on the phone and anyone holding the code
 * can find in the verified history.
 */
import { decodeJwt } from 'jose';
import type { DispenseLineInput, Remaining } from '../../client/client.js';
import { deLabel, locale, quantityText } from '../i18n.js';
import { reasonText } from '../trace-view.js';
import { formatDay, type Content, type I18n } from '../ui.js';

/** A dispensing made on this page: the record (for the slip and a correction) and its receipt. */
export type Done = { claimId: string; index: number; at: string; lines: DispenseLineInput[]; receipt: string; corrected: boolean };

/** The receipt's event (index, time, hash), as Ordo signed it. */
export function receiptEvent(receipt: string): { index: number; type: string; at: string; hash: string } {
  const evt = (decodeJwt(receipt) as { evt?: { index: number; type: string; at: string; hash: string } }).evt;
  if (!evt) throw new Error('a receipt without its event');
  return evt;
}

/** The first 12 characters of an event hash in groups of four: "aB3x K9_q Zt2P". */
export const shortHash = (hash: string) => hash.slice(0, 12).match(/.{1,4}/g)!.join(' ');

/** A full date and time, with the weekday and the year: paper outlives "today". */
const fullWhen = (lang: I18n['lang'], iso: string) =>
  new Date(iso).toLocaleString(locale(lang), { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });

const monthText = (lang: I18n['lang'], month: string) => new Date(`${month}-15T12:00:00Z`).toLocaleDateString(locale(lang), { month: 'long', year: 'numeric' });

export function Slip(props: I18n & { pharmacy: { id: string; name: string | null }; content: Pick<Content, 'patient' | 'items'>; prescriber: { id: string; name: string | null }; remaining: Remaining; nextDueAt: string | null; done: Done }) {
  const { t, lang, content, done } = props;
  const evt = receiptEvent(done.receipt);
  const given = done.lines.filter((l) => l.quantity > 0);
  const notGiven = done.lines.filter((l) => l.quantity === 0);
  const left = props.remaining.filter((r) => r.remaining > 0);
  const item = (n: number) => content.items[n]!;
  return (
    <article class="slip" aria-labelledby="slip-title">
      <header>
        <div>
          <h2 id="slip-title">{t(done.corrected ? 'counter.slip.titleCorrected' : 'counter.slip.title')}</h2>
          <p class="pharmacy"><strong>{props.pharmacy.name ?? props.pharmacy.id}</strong> · FINESS {props.pharmacy.id}</p>
        </div>
        <p class="when">{t('counter.slip.at', { when: fullWhen(lang, done.at) })}</p>
      </header>
      <p>{t('counter.slip.patient', { name: `${content.patient.family.toUpperCase()} ${content.patient.given.join(' ')}` })}</p>
      <p>{t('counter.prescriber', { name: props.prescriber.name ?? props.prescriber.id, id: props.prescriber.id })}</p>
      <h3>{t('counter.slip.given')}</h3>
      <ul class="given">
        {given.map((l) => {
          const it = item(l.item);
          const details = [
            l.substitution ? t(`counter.slip.${l.substitution.type}`) : null,
            l.lot ? t('counter.slip.lot', { lot: l.lot }) : null,
            l.expiry ? t('counter.slip.expiry', { month: monthText(lang, l.expiry) }) : null,
          ].filter(Boolean);
          return (
            <li data-item={l.item}>
              {t('counter.slip.leftLine', { what: quantityText(l.quantity, it.unit), ofLabel: deLabel(it.label), label: it.label })}
              {details.length > 0 && <span class="details"> ({details.join(', ')})</span>}
            </li>
          );
        })}
        {notGiven.map((l) => <li data-item={l.item}>{t('event.lineNot', { label: item(l.item).label, reason: reasonText(props, l.reason ?? '') })}</li>)}
      </ul>
      <h3>{t('counter.slip.left')}</h3>
      {left.length === 0 ? (
        <p>{t('counter.slip.nothingLeft')}</p>
      ) : (
        <ul class="left">
          {left.map((r) => {
            const it = item(r.item);
            const vars = { what: quantityText(r.remaining, it.unit), ofLabel: deLabel(it.label), label: it.label };
            return <li data-item={r.item}>{r.dueAt ? t('counter.slip.leftFrom', { ...vars, date: formatDay(lang, r.dueAt) }) : t('counter.slip.leftLine', vars)}</li>;
          })}
        </ul>
      )}
      {props.nextDueAt && left.length > 0 && <p class="next">{t('counter.nextDue.day', { when: fullWhen(lang, props.nextDueAt) })}</p>}
      <footer>
        <span>{t('counter.slip.receipt')}</span> <strong class="receipt-ref" data-testid="receipt-ref">{shortHash(evt.hash)}</strong>
      </footer>
    </article>
  );
}
