/**
 * /prescribe — the prescriber fills in a prescription, signs it in the browser with their
 * non-extractable key, sends it and prints the sheet the patient takes away (A5 or A4); and,
 * through the day, finds their prescriptions in a list kept up to date by the feed, to print one
 * again, give it a new code, cancel it or renew it. The pieces are in src/web/prescribe/.
 */
import { decodeJwt } from 'jose';
import { render, useEffect, useMemo, useState } from 'hono/jsx/dom';
import { OrdoProblemError } from '../client/errors.js';
import { documentRules } from './rule-errors.js';
import { clientFor, Header, KeyPanel, useLang, useStoredKey } from './ui.js';
import { checkDraft } from './prescribe/checks.js';
import { keepSheet, loadPractice, savePractice } from './prescribe/content.js';
import { blankDraft, clearDraft, isEmpty, loadDraft, saveDraft, toDocument, type Draft } from './prescribe/draft.js';
import { PrescriptionForm, type FormError } from './prescribe/form.js';
import { PrescriptionList, type Session } from './prescribe/list.js';
import { SheetView, type SheetData } from './prescribe/sheet.js';

type View = 'form' | 'sheet' | 'list';

function PrescribePage() {
  const { lang, t, setLang } = useLang('prescribe');
  const i = { lang, t };
  const { stored, setStored, name, ready } = useStoredKey('prescriber');
  const [view, setView] = useState<View>('form');
  const [draft, setDraft] = useState<Draft>(() => loadDraft() ?? blankDraft());
  const [sheet, setSheet] = useState<{ data: SheetData; fromList: boolean } | null>(null);
  const [error, setError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);
  const [profession, setProfession] = useState<string | null>(null);
  // One client per key, on the server's time (a sandbox's runs ahead) before it signs anything.
  const session = useMemo<Session | null>(() => {
    if (!stored) return null;
    const client = clientFor(stored);
    return { client, ready: client.syncClock().catch(() => undefined) };
  }, [stored?.actorId, stored?.key.kid]);

  // The draft follows every keystroke into sessionStorage; an empty one is not kept. Kept at
  // once by the form's edits too (an effect runs after the render, and a reload may come first).
  const keepDraft = (d: Draft) => (isEmpty(d) && !d.replaces ? clearDraft() : saveDraft(d));
  useEffect(() => keepDraft(draft), [draft]);
  const editDraft = (d: Draft) => {
    keepDraft(d);
    setDraft(d);
  };
  useEffect(() => {
    const p = draft.practice;
    if (!p.name && !p.address && !p.phone) loadPractice().then((practice) => setDraft((d) => (d.practice.name || d.practice.address || d.practice.phone ? d : { ...d, practice })), () => undefined);
  }, []);
  useEffect(() => {
    if (stored) clientFor().directory(stored.actorId).then((d) => setProfession(d.profession ?? null), () => setProfession(null));
  }, [stored?.actorId]);

  const prescriber = { id: stored?.actorId ?? '', name, profession };
  const invalid = new Set(error && error.kind !== 'other' ? error.errors.map((e) => e.path) : []);

  const submit = async () => {
    if (!session || !stored) return;
    const found = checkDraft(draft);
    if (found.length > 0) {
      setError({ kind: 'check', errors: found });
      document.getElementById(`f-${found[0]!.path}`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await session.ready;
      const doc = toDocument(draft, prescriber);
      const issued = await session.client.prescribe(doc, { datamatrix: 'svg' });
      // The legal date: the `at` of the `issued` event, from Ordo's receipt.
      const issuedAt = (decodeJwt(issued.receipt) as { evt: { at: string } }).evt.at;
      await Promise.all([keepSheet(issued.id, { content: doc }), savePractice(draft.practice)]).catch(() => undefined);
      clearDraft();
      setDraft(blankDraft(draft.practice));
      const svg = issued.datamatrix && 'svg' in issued.datamatrix ? issued.datamatrix.svg : '';
      setSheet({ data: { id: issued.id, code: issued.code, svg, content: doc, issuedAt, validUntil: issued.validUntil, prescriber, note: 'issued' }, fromList: false });
      setView('sheet');
    } catch (err) {
      const rules = err instanceof OrdoProblemError && err.code === 'invalid_document' ? documentRules(err.problem) : [];
      setError(rules.length > 0 ? { kind: 'refused', errors: rules } : { kind: 'other', err });
    } finally {
      setBusy(false);
    }
  };

  const tab = (v: View, label: string) => (
    <button type="button" class={view === v ? '' : 'quiet'} aria-current={view === v ? 'page' : undefined} onClick={() => setView(v)}>{label}</button>
  );

  return (
    <>
      <Header {...i} page="prescribe" setLang={setLang} />
      <main>
        <h1>{t('app.prescribe')}</h1>
        {ready && <KeyPanel {...i} role="prescriber" current={stored} name={name} onKey={setStored} />}
        {stored && session && (
          <>
            <nav class="views no-print" aria-label={t('rx.views')}>
              {tab('form', t('rx.viewForm'))}
              {tab('list', t('rx.viewList'))}
            </nav>
            {view === 'sheet' && sheet && <SheetView {...i} sheet={sheet.data} onBack={sheet.fromList ? () => setView('list') : null} />}
            {view === 'list' && (
              <PrescriptionList {...i} session={session} actorId={stored.actorId} prescriber={prescriber}
                onSheet={(data) => { setSheet({ data, fromList: true }); setView('sheet'); }}
                onRenew={(d) => { setDraft(d); setError(null); setView('form'); }} />
            )}
            {view === 'form' && (
              <PrescriptionForm {...i} draft={draft} setDraft={editDraft} busy={busy} error={error} invalid={invalid} onSubmit={() => void submit()}
                onClear={() => { setDraft(blankDraft(draft.practice)); setError(null); }} />
            )}
          </>
        )}
      </main>
    </>
  );
}

render(<PrescribePage />, document.getElementById('app')!);
