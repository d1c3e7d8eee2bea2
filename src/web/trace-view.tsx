/**
 * The verified timeline the counter and the patient page show: the whole trace checked in the
 * browser, and told in words — event types, quantities with their plural, reasons of lines not
 * dispensed, corrections (the record a correction replaced stays, marked corrected: nothing is
 * erased). Steps are counted from 1 for people (event index + 1).
 */
import { decodeJwt } from 'jose';
import { directoryVouches, exportTrace, timelineEntries, verifyBundle, type TimelineEntry, type TimelineLine, type TraceBundle } from '../client/bundle.js';
import type { TraceCheck } from '../domain/verify-trace.js';
import { eventTypes, type EventType } from '../domain/events.js';
import { dispensingReasons } from '../domain/formats.js';
import { deLabel, quantityText } from './i18n.js';
import { Alert, clientFor, formatWhen, isToday, type I18n } from './ui.js';

/** A verified trace; `failure` names the first failed check and its event (null when verified). */
export type Verified = { bundle: TraceBundle; ok: boolean; failure: { index: number | null; check: TraceCheck } | null };

/** Fetches the whole trace with the code and verifies it offline-style: chain, signatures, receipts. */
export async function verifiedTrace(code: string): Promise<Verified> {
  const bundle = await exportTrace(clientFor(), code);
  const r = await verifyBundle(bundle, [], directoryVouches);
  return { bundle, ok: r.ok, failure: r.ok ? null : { index: r.index, check: r.check } };
}

/** What a failed check means, for people (the verifier's own message is for `ordo verify`). */
const WHY: Record<TraceCheck, 'signature' | 'chain' | 'rules' | 'receipt'> = {
  actor_key: 'signature', signature: 'signature', binding: 'signature', certificate: 'signature',
  structure: 'chain', index: 'chain', time_order: 'chain', prev_hash: 'chain', hash: 'chain', proof_hash: 'chain', claim: 'chain', token_reuse: 'chain', rewritten: 'chain',
  time_bound: 'rules', lifecycle: 'rules',
  receipt: 'receipt',
};

export function Verification(props: I18n & { verified: Verified }) {
  const { t, verified } = props;
  if (verified.ok || !verified.failure) return <Alert kind="ok">✓ {t('view.verified')}</Alert>;
  const why = t(`view.why.${WHY[verified.failure.check] ?? 'chain'}`);
  const index = verified.failure.index;
  return <Alert kind="warn">⚠ {index === null ? t('view.unverified', { why }) : t('view.unverifiedAt', { why, step: index + 1 })}</Alert>;
}

/** An instant inside a sentence: "le jeudi 4 décembre à 08:11", or "à 08:11" today. */
export const whenPhrase = (i: I18n, iso: string) => i.t(isToday(iso) ? 'view.atTime' : 'view.onDay', { when: formatWhen(i.lang, iso) });

/** Who did it, by name; the kind of actor when the directory has no name. */
export function whoText(i: I18n, who: TimelineEntry['who']): string {
  if (!who) return 'Ordo';
  return who.name ?? i.t(who.kind === 'pharmacy' ? 'actor.pharmacy' : 'actor.prescriber', { id: who.id });
}

/** A reason a line was not dispensed, in words (a reason this page does not know: "other reason"). */
export const reasonText = (i: I18n, reason: string) =>
  (dispensingReasons as readonly string[]).includes(reason) ? i.t(`event.reason.${reason as (typeof dispensingReasons)[number]}`) : i.t('event.reason.other');

/** A dispensing line: "2 boîtes d’Amoxicilline" / "Amoxicilline: 2 boîtes", or not dispensed and why. */
export function lineText(i: I18n, l: TimelineLine): string {
  if (l.quantity > 0) return i.t('event.line', { what: quantityText(l.quantity, l.unit).trim(), ofLabel: deLabel(l.label), label: l.label });
  return l.reason ? i.t('event.lineNot', { label: l.label, reason: reasonText(i, l.reason) }) : i.t('event.lineNone', { label: l.label });
}

/** An event type as a noun ("délivrance", "dispensing"), for receipts. */
export const stepName = (i: I18n, type: string) => ((eventTypes as readonly string[]).includes(type) ? i.t(`event.step.${type as EventType}`) : i.t('event.step.other'));

function Entry(props: I18n & { e: TimelineEntry; renewed: boolean; correction: TimelineEntry | undefined }) {
  const { t, e, correction } = props;
  const handedOver = e.type === 'dispensed' || e.type === 'dispense_corrected';
  return (
    <li data-type={e.type} data-index={e.index} class={correction ? 'corrected' : undefined}>
      <time datetime={e.at}>{formatWhen(props.lang, e.at)}</time>
      <span class="what">{t(props.renewed ? 'event.renewed' : `event.${e.type}`, { who: whoText(props, e.who) })}</span>
      {correction && <span class="corrected-note">{t(isToday(correction.at) ? 'event.correctedAt' : 'event.correctedOn', { when: formatWhen(props.lang, correction.at) })}</span>}
      {handedOver && e.lines.length > 0 && (
        <ul>
          {e.lines.map((l) => <li>{lineText(props, l)}</li>)}
        </ul>
      )}
    </li>
  );
}

export function Timeline(props: I18n & { verified: Verified }) {
  const entries = timelineEntries(props.verified.bundle);
  return (
    <section class="timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{props.t('view.timeline')}</h2>
      <ol>
        {entries.map((e, n) => (
          <Entry
            {...props}
            e={e}
            renewed={e.type === 'claimed' && entries.slice(0, n).some((x) => x.type === 'claimed' && x.claim === e.claim)}
            correction={e.correctedBy === undefined ? undefined : entries.find((x) => x.index === e.correctedBy)}
          />
        ))}
      </ol>
    </section>
  );
}

/** One line about a receipt Ordo signed, so the person sees the step was recorded. */
export function ReceiptLine(props: I18n & { receipt: string }) {
  const evt = (decodeJwt(props.receipt) as { evt?: { index: number; type: string; at: string } }).evt;
  if (!evt) return null;
  return <p class="receipt hint">{props.t('view.receipt', { step: evt.index + 1, type: stepName(props, evt.type), when: whenPhrase(props, evt.at) })}</p>;
}
