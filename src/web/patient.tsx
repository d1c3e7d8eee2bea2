/**
 * /patient — the patient enters or scans their code (or opens /patient#CODE: a fragment never
 * reaches a server) and sees the prescription, a large DataMatrix to show at the counter, its
 * status and who dispensed what and when. No key, no account: the code is the credential. It is
 * kept in this page's memory only, and the fragment is wiped from the address bar once read.
 */
import { render, useEffect, useState } from 'hono/jsx/dom';
import type { Lookup } from '../client/client.js';
import { parseCode } from '../domain/code.js';
import { CodeForm } from './scan.js';
import { Timeline, Verification, verifiedTrace, type Verified } from './trace-view.js';
import { Alert, clientFor, DataMatrixImage, errorText, formatDay, Header, ItemsTable, StatusBadge, useLang, type Content } from './ui.js';

type Shown = { look: Lookup; svg: string; verified: Verified };

/** The fragment as typed: percent-decoded when it can be, else as it is (then simply not a code). */
function fragmentText(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function PatientPage() {
  const { lang, t, setLang } = useLang('patient');
  const i = { lang, t };
  const [shown, setShown] = useState<Shown | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const open = async (text: string) => {
    setError(null);
    const parsed = parseCode(text);
    if (!parsed.ok) return setError(t(parsed.reason === 'bad_check' ? 'problem.bad_check' : 'problem.bad_request'));
    setBusy(true);
    try {
      const client = clientFor();
      const [look, image, verified] = await Promise.all([client.lookup(text), client.datamatrix(text, 'svg'), verifiedTrace(text)]);
      setShown({ look, svg: new TextDecoder().decode(image), verified });
    } catch (err) {
      setShown(null);
      setError(errorText(i, err));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const fromFragment = fragmentText(location.hash.slice(1));
    if (fromFragment) {
      history.replaceState(null, '', location.pathname); // off the address bar (and out of later copies of it)
      void open(fromFragment);
    }
  }, []);

  const look = shown?.look;
  const content = look?.prescription.content as Content | undefined;
  return (
    <>
      <Header {...i} page="patient" setLang={setLang} />
      <main>
        <h1>{t('app.patient')}</h1>
        {!shown && (
          <CodeForm {...i} id="code" label={t('patient.code')} hint={t('patient.codeHint')} submit={t('patient.open')} busy={busy} onCode={(text) => void open(text)} autofocus />
        )}
        <div aria-live="polite">
          {busy && <p class="hint">{t('busy')}</p>}
          {error && <Alert>{error}</Alert>}
        </div>
        {shown && look && content && (
          <section class="prescription-view">
            <div class="show-code card">
              <DataMatrixImage svg={shown.svg} label={t('patient.show')} class="large" />
              <p class="hint">{t('patient.show')}</p>
            </div>
            <div class="summary card">
              <StatusBadge {...i} status={look.status} />
              <p class="patient"><strong>{content.patient.family.toUpperCase()}</strong> {content.patient.given.join(' ')}</p>
              <p>{t('view.prescriber')} : {look.prescription.prescriber.name ?? look.prescription.prescriber.id} · {t('view.validUntil', { date: formatDay(lang, look.prescription.validUntil) })}</p>
              {look.cancelReason && <Alert kind="warn">{t('view.cancelReason', { reason: look.cancelReason })}</Alert>}
              <Verification {...i} verified={shown.verified} />
            </div>
            <ItemsTable {...i} content={content} remaining={look.remaining} />
            <Timeline {...i} verified={shown.verified} />
            <button type="button" class="quiet" onClick={() => setShown(null)}>{t('patient.forget')}</button>
          </section>
        )}
      </main>
    </>
  );
}

render(<PatientPage />, document.getElementById('app')!);
