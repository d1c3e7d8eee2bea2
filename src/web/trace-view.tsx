/** The verified timeline the counter and the patient page show: the whole trace checked in the browser. */
import { decodeJwt } from 'jose';
import { exportTrace, timelineEntries, verifyBundle, type TraceBundle } from '../client/bundle.js';
import { Alert, clientFor, formatInstant, type I18n } from './ui.js';

export type Verified = { bundle: TraceBundle; ok: boolean; message: string | null };

/** Fetches the whole trace with the code and verifies it offline-style: chain, signatures, receipts. */
export async function verifiedTrace(code: string): Promise<Verified> {
  const bundle = await exportTrace(clientFor(), code);
  const r = await verifyBundle(bundle);
  return { bundle, ok: r.ok, message: r.ok ? null : `${r.check}${r.index === null ? '' : ` #${r.index}`}: ${r.message}` };
}

export function Verification(props: I18n & { verified: Verified }) {
  return props.verified.ok ? (
    <Alert kind="ok">✓ {props.t('view.verified')}</Alert>
  ) : (
    <Alert kind="warn">⚠ {props.t('view.unverified', { message: props.verified.message ?? '' })}</Alert>
  );
}

export function Timeline(props: I18n & { verified: Verified }) {
  const { t, lang } = props;
  const entries = timelineEntries(props.verified.bundle);
  return (
    <section class="timeline">
      <h2>{t('view.timeline')}</h2>
      <ol>
        {entries.map((e, n) => {
          const renewed = e.type === 'claimed' && entries.slice(0, n).some((x) => x.type === 'claimed' && x.claim === e.claim);
          const who = e.who ? (e.who.name ?? (e.who.kind === 'pharmacy' ? t('actor.pharmacy') : e.who.id)) : 'Ordo';
          return (
            <li data-type={e.type}>
              <time datetime={e.at}>{formatInstant(lang, e.at)}</time>
              <span class="what">{t(renewed ? 'event.renewed' : `event.${e.type}`, { who })}</span>
              {e.type === 'dispensed' && (
                <ul>
                  {e.lines.map((l) => (
                    <li>{l.quantity > 0 ? t('event.line', { quantity: l.quantity, unit: l.unit, label: l.label }) : t('event.lineNot', { label: l.label, reason: l.reason ?? '' })}</li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** One line about a receipt Ordo signed, so the person sees the step was recorded. */
export function ReceiptLine(props: I18n & { receipt: string }) {
  const evt = (decodeJwt(props.receipt) as { evt?: { index: number; type: string; at: string } }).evt;
  if (!evt) return null;
  return <p class="receipt hint">{props.t('view.receipt', { index: evt.index, type: evt.type, at: formatInstant(props.lang, evt.at) })}</p>;
}
