/**
 * Corrections: a pharmacy corrects its own dispensing record within 24 hours (a wrong lot, a
 * wrong quantity keyed in) by a whole new record naming the one it replaces (`corrects`: the
 * claim's `dispensed` event, or its latest `dispense_corrected`). The records this pharmacy may
 * still correct are read from the verified timeline; each opens the dispensing form pre-filled
 * with the record's own lines (decoded from the signed record in the trace).
 */
import { decodeJwt } from 'jose';
import { timelineEntries, type TimelineEntry } from '../../client/bundle.js';
import type { DispenseLineInput } from '../../client/client.js';
import type { Verified } from '../trace-view.js';
import { formatWhen, isToday, type I18n } from '../ui.js';

/** The correction window (design § Correcting a dispensing record). */
export const CORRECTABLE_MS = 24 * 3600 * 1000;

/** A record in force this pharmacy may still correct: its event, its claim, its lines, when it was dispensed. */
export type Correctable = { index: number; claimId: string; dispensedAt: string; lines: DispenseLineInput[] };

/** The lines of the signed dispensing record of event `index`. */
export function recordLines(verified: Verified, index: number): DispenseLineInput[] {
  const proof = verified.bundle.events.find((e) => e.index === index)?.proof;
  if (!proof) return [];
  const rec = decodeJwt(proof) as { lines?: DispenseLineInput[] };
  return rec.lines ?? [];
}

/**
 * This pharmacy's records in force (not replaced by a correction) whose dispense is less than 24
 * hours old by this computer's clock (Ordo has the last word: `correction_too_late`).
 */
export function correctables(verified: Verified, pharmacyId: string, now = Date.now()): Correctable[] {
  const entries = timelineEntries(verified.bundle);
  const dispensedAt = (claim: string | null) => entries.find((e) => e.type === 'dispensed' && e.claim === claim)?.at;
  return entries
    .filter((e: TimelineEntry) => (e.type === 'dispensed' || e.type === 'dispense_corrected') && e.correctedBy === undefined && e.who?.id === pharmacyId && e.claim)
    .flatMap((e) => {
      const at = dispensedAt(e.claim) ?? e.at;
      return now - Date.parse(at) < CORRECTABLE_MS ? [{ index: e.index, claimId: e.claim!, dispensedAt: at, lines: recordLines(verified, e.index) }] : [];
    });
}

/** "Vos délivrances des dernières 24 heures", each with "Corriger cette délivrance". */
export function CorrectableList(props: I18n & { items: Correctable[]; busy: boolean; onCorrect: (c: Correctable) => void }) {
  const { t, lang } = props;
  if (props.items.length === 0) return null;
  return (
    <section class="correctable card" aria-labelledby="correctable-title">
      <h2 id="correctable-title">{t('counter.correctable')}</h2>
      <ul>
        {props.items.map((c) => {
          const what = t(isToday(c.dispensedAt) ? 'counter.correctable.one.today' : 'counter.correctable.one.day', { when: formatWhen(lang, c.dispensedAt) });
          return (
            <li data-index={c.index}>
              <span>{what}</span>
              <button type="button" class="quiet" disabled={props.busy} aria-label={`${t('counter.correct')} — ${what}`} onClick={() => props.onCorrect(c)}>{t('counter.correct')}</button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The heading of the form when it corrects a record. */
export function CorrectionHeading(props: I18n & { at: string }) {
  const { t, lang } = props;
  return (
    <>
      <h2>{t(isToday(props.at) ? 'counter.correct.title.today' : 'counter.correct.title.day', { when: formatWhen(lang, props.at) })}</h2>
      <p class="hint">{t('counter.correct.hint')}</p>
    </>
  );
}
