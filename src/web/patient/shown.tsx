/**
 * The prescription as the patient sees it once the code is read: the DataMatrix and the code as
 * text (to show at the counter, to read out on the phone), what its state means, what is left and
 * from when, the lines, the verified history; a print sheet (css/patient.css) and the evidence
 * bundle to download.
 */
import { useEffect, useState } from 'hono/jsx/dom';
import { timelineEntries, type TraceBundle } from '../../client/bundle.js';
import type { Lookup } from '../../client/client.js';
import { Timeline, Verification, type Verified } from '../trace-view.js';
import { DataMatrixImage, formatDay, ItemsTable, StatusBadge, type Content, type I18n } from '../ui.js';
import { leftWords, nextDueWords, stateWords } from './words.js';

export type Shown = { look: Lookup; svg: string; verified: Verified; grouped: string };

/** The code grouped as printed, breakable after each hyphen on a narrow screen (`<wbr>` adds no text). */
function CodeText(props: { grouped: string }) {
  const groups = props.grouped.split('-');
  return (
    <code class="code-text" data-testid="code-text">
      {groups.map((g, n) => (n < groups.length - 1 ? <>{g}-<wbr /></> : g))}
    </code>
  );
}

/** The bundle `ordo verify FILE` checks, as a download made in the page (a blob: URL). */
function EvidenceLink(props: I18n & { bundle: TraceBundle }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([`${JSON.stringify(props.bundle, null, 2)}\n`], { type: 'application/json' }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [props.bundle]);
  if (!url) return null;
  return <a class="button quiet" href={url} download={`ordo-trace-${props.bundle.prescriptionId}.json`} aria-describedby="evidence-hint">{props.t('patient.download')}</a>;
}

export function PrescriptionShown(props: I18n & { shown: Shown; onForget: () => void }) {
  const { t, lang, shown } = props;
  const { look } = shown;
  const content = look.prescription.content as Content;
  const open = look.status === 'active' || look.status === 'claimed';
  const state = stateWords(props, look, timelineEntries(shown.verified.bundle));
  const next = open ? nextDueWords(props, look.nextDueAt) : null;
  return (
    <section class="prescription-view patient-view">
      {/* Closed (completed, cancelled, expired): nothing more to show at a counter, so no code to show. */}
      <div class={open ? 'overview' : 'overview closed'}>
        {open && (
          <div class="show-code card">
            <DataMatrixImage svg={shown.svg} label={t('patient.show')} class="large" />
            <p class="hint">{t('patient.show')}</p>
            <p class="code-line"><span class="hint">{t('patient.codeText')}</span> <CodeText grouped={shown.grouped} /></p>
          </div>
        )}
        <div class="facts">
          <div class="summary card">
            <StatusBadge {...props} status={look.status} />
            <p class="patient"><strong>{content.patient.family.toUpperCase()}</strong> {content.patient.given.join(' ')}</p>
            <p>{t('view.prescribedBy', { name: look.prescription.prescriber.name ?? look.prescription.prescriber.id })} · {t('view.validUntil', { date: formatDay(lang, look.prescription.validUntil) })}</p>
            {state && <p class={`alert ${state.kind} state-message`}>{state.text}</p>}
            <Verification {...props} verified={shown.verified} />
          </div>
          {open && (
            <section class="what-left card" aria-labelledby="left-title">
              <h2 id="left-title">{t('patient.left.title')}</h2>
              {next && <p class="next-due">{next}</p>}
              <ul class="left">
                {leftWords(props, content, look.remaining).map((s) => <li>{s}</li>)}
              </ul>
            </section>
          )}
        </div>
      </div>
      <ItemsTable {...props} content={content} remaining={look.remaining} />
      <div class="actions">
        <button type="button" onClick={() => window.print()}>{t('patient.print')}</button>
        <EvidenceLink {...props} bundle={shown.verified.bundle} />
        <button type="button" class="quiet" onClick={props.onForget}>{t('patient.forget')}</button>
      </div>
      <p id="evidence-hint" class="hint no-print">{t('patient.downloadHint')}</p>
      <Timeline {...props} verified={shown.verified} />
    </section>
  );
}
