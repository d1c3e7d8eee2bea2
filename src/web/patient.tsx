/**
 * /patient — the patient enters or scans their code (or opens /patient#CODE: a fragment never
 * reaches a server) and sees the prescription, a large DataMatrix and the code as text to show at
 * the counter, what its state means, what is left and from when, and who dispensed what and when;
 * they may print it or download the evidence. No key, no account: the code is the credential. It
 * is kept in this page's memory only, and the fragment is wiped from the address bar once read.
 */
import { render, useEffect, useState } from 'hono/jsx/dom';
import { formatCode, parseCode } from '../domain/code.js';
import { PrescriptionShown, type Shown } from './patient/shown.js';
import { CodeForm, codeFault, codeFaultText } from './scan.js';
import { verifiedTrace } from './trace-view.js';
import { Alert, clientFor, errorText, Header, useLang } from './ui.js';

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
    // Not a code (too short, too long, a typo, not one at all): said in words, nothing sent.
    const fault = codeFault(text);
    const parsed = parseCode(text);
    if (fault || !parsed.ok) return setError(codeFaultText(i, fault ?? 'not_code'));
    setBusy(true);
    try {
      const client = clientFor();
      const [look, image, verified] = await Promise.all([client.lookup(text), client.datamatrix(text, 'svg'), verifiedTrace(text)]);
      setShown({ look, svg: new TextDecoder().decode(image), verified, grouped: formatCode(parsed.code).grouped });
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
        {shown && (shown.look.prescription.content ? <PrescriptionShown {...i} shown={shown} onForget={() => setShown(null)} /> : <Alert>{t('problem.record_unreadable')}</Alert>)}
      </main>
    </>
  );
}

render(<PatientPage />, document.getElementById('app')!);
