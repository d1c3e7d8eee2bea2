/**
 * The prescription open at the counter: who and what, the hold and until when, what is left,
 * the dispensing form while it is held, the slip after a dispense, the correction form, and the
 * verified timeline when the code was scanned here (a prescription opened from the held list
 * has no code in this page: its history needs the code).
 */
import type { DispenseLineInput, Remaining } from '../../client/client.js';
import { ReceiptLine, Timeline, Verification, type Verified } from '../trace-view.js';
import { formatDay, formatWhen, isToday, ItemsTable, StatusBadge, type Content, type I18n } from '../ui.js';
import { CorrectableList, correctables, CorrectionHeading, type Correctable } from './correction.js';
import { DispenseForm } from './dispense-form.js';
import { Slip, type Done } from './slip.js';

/** What the page holds of the open prescription; the code only in memory, and only when scanned here. */
export type Opened = {
  code: string | null;
  claim: { id: string; expiresAt: string } | null;
  prescriptionId: string;
  content: Pick<Content, 'patient' | 'items'>;
  prescriber: { id: string; name: string | null };
  validUntil: string;
  status: string;
  remaining: Remaining;
  nextDueAt: string | null;
  receipt: string | null;
  verified: Verified | null;
  /** The last dispensing made here (the slip), and the record being corrected. */
  done: Done | null;
  correcting: Correctable | null;
};

export type OpenedActions = {
  dispense: (lines: DispenseLineInput[]) => void;
  hold: () => void;
  release: () => void;
  startCorrection: (c: Correctable) => void;
  sendCorrection: (lines: DispenseLineInput[]) => void;
  keep: () => void;
};

export function PrescriptionView(props: I18n & { opened: Opened; pharmacy: { id: string; name: string | null }; busy: boolean; act: OpenedActions }) {
  const { t, lang, opened: o, act } = props;
  const content = o.content as Content;
  const left = o.remaining.some((r) => r.remaining > 0);
  const when = (base: 'counter.holdUntil' | 'counter.nextDue', iso: string) => t(`${base}.${isToday(iso) ? 'today' : 'day'}`, { when: formatWhen(lang, iso) });
  const others = o.verified ? correctables(o.verified, props.pharmacy.id).filter((c) => c.index !== o.done?.index) : [];
  return (
    <section class="prescription-view" data-prescription={o.prescriptionId} aria-label={t('sheet.title')}>
      <div class="summary card">
        <div>
          <StatusBadge {...props} status={o.status} />
          {o.claim && <strong class="hold">{when('counter.holdUntil', o.claim.expiresAt)}</strong>}
        </div>
        <p class="patient"><strong>{content.patient.family.toUpperCase()}</strong> {content.patient.given.join(' ')} · {formatDay(lang, content.patient.birthDate)}</p>
        <p>{t('counter.prescriber', { name: o.prescriber.name ?? o.prescriber.id, id: o.prescriber.id })} · {t('view.validUntil', { date: formatDay(lang, o.validUntil) })}</p>
        {o.code ? o.verified ? <Verification {...props} verified={o.verified} /> : <p class="hint">{t('busy')}</p> : <p class="hint">{t('counter.noCode')}</p>}
        {o.nextDueAt && left && <p class="hint">{when('counter.nextDue', o.nextDueAt)}</p>}
        {o.receipt && <ReceiptLine {...props} receipt={o.receipt} />}
      </div>
      <ItemsTable {...props} content={content} remaining={o.remaining} />
      {o.correcting ? (
        <DispenseForm {...props} key={`correct-${o.correcting.index}`} items={content.items} remaining={o.remaining} record={o.correcting.lines} busy={props.busy} submit={t('counter.correct.send')} onSend={act.sendCorrection} heading={<CorrectionHeading {...props} at={o.correcting.dispensedAt} />}>
          <button type="button" class="quiet" disabled={props.busy} onClick={act.keep}>{t('counter.correct.keep')}</button>
        </DispenseForm>
      ) : (
        o.claim && (
          <DispenseForm {...props} key={`dispense-${o.claim.id}`} items={content.items} remaining={o.remaining} busy={props.busy} submit={t('counter.dispense')} onSend={act.dispense}>
            <button type="button" class="quiet" disabled={props.busy} onClick={act.hold}>{t('counter.holdLonger')}</button>
            <button type="button" class="quiet" disabled={props.busy} onClick={act.release}>{t('counter.release')}</button>
          </DispenseForm>
        )
      )}
      {o.done && !o.correcting && (
        <>
          <Slip {...props} pharmacy={props.pharmacy} content={o.content} prescriber={o.prescriber} remaining={o.remaining} nextDueAt={o.nextDueAt} done={o.done} />
          <div class="actions slip-actions">
            <button type="button" onClick={() => window.print()}>{t('counter.slip.print')}</button>
            <button type="button" class="quiet" disabled={props.busy} onClick={() => act.startCorrection({ index: o.done!.index, claimId: o.done!.claimId, dispensedAt: o.done!.at, lines: o.done!.lines })}>{t('counter.correct')}</button>
          </div>
        </>
      )}
      {o.verified && <Timeline {...props} verified={o.verified} />}
      {!o.correcting && <CorrectableList {...props} items={others} busy={props.busy} onCorrect={act.startCorrection} />}
    </section>
  );
}
