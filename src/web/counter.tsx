/**
 * /counter — the pharmacist scans (a scanner types the payload then Enter) or types a code; the
 * page claims the prescription, shows it with what is left per item and the prescriber verified
 * against the directory, and dispenses, holds or releases it. The code stays in this page's
 * memory only: never in the URL, storage, cookies or logs.
 */
import { render, useEffect, useRef, useState } from 'hono/jsx/dom';
import type { Claimed, DispenseLineInput, Remaining } from '../client/client.js';
import { dispensingReasons } from '../domain/formats.js';
import { parseCode } from '../domain/code.js';
import { CodeForm } from './scan.js';
import { ReceiptLine, Timeline, Verification, verifiedTrace, type Verified } from './trace-view.js';
import { Alert, clientFor, errorText, formatDay, formatTime, Header, ItemsTable, KeyPanel, StatusBadge, useLang, useStoredKey, type Content, type I18n } from './ui.js';
import type { StoredKey } from './keystore.js';

/** Three days, ORDO_CLAIM_MAX_TTL's default: goods on order. */
const HOLD_LONGER = 259_200;

type Current = {
  code: string;
  claim: Claimed['claim'] | null;
  prescription: Claimed['prescription'];
  remaining: Remaining;
  nextDueAt: string | null;
  status: string;
  receipt: string | null;
  verified: Verified | null;
};

function DispenseForm(props: I18n & { current: Current; busy: boolean; onDispense: (lines: DispenseLineInput[]) => void }) {
  const { t, current } = props;
  const content = current.prescription.content as Content;
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const field = (n: number, name: string) => (form.querySelector(`[name="${name}-${n}"]`) as HTMLInputElement | null)?.value.trim() ?? '';
    const lines: DispenseLineInput[] = [];
    content.items.forEach((_, n) => {
      const quantity = Number(field(n, 'quantity') || '0');
      const reason = field(n, 'reason');
      if (quantity <= 0 && !reason) return;
      const substitution = field(n, 'substitution');
      lines.push({
        item: n,
        quantity,
        substitution: substitution ? { type: substitution as 'generic' } : null,
        reason: quantity > 0 ? null : (reason as DispenseLineInput['reason']),
        ...(field(n, 'lot') && { lot: field(n, 'lot') }),
        ...(field(n, 'expiry') && { expiry: field(n, 'expiry') }),
      });
    });
    props.onDispense(lines);
  };
  return (
    <form class="dispense card" onSubmit={submit}>
      <table class="items">
        <thead>
          <tr>
            <th scope="col">{t('view.item')}</th>
            <th scope="col" class="num">{t('counter.remainingCol')}</th>
            <th scope="col">{t('counter.now')}</th>
            <th scope="col">{t('counter.substitution')}</th>
            <th scope="col">{t('counter.lot')}</th>
            <th scope="col">{t('counter.expiry')}</th>
            <th scope="col">{t('counter.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {content.items.map((item, n) => {
            const left = current.remaining.find((r) => r.item === n)?.remaining ?? 0;
            const label = (what: string) => `${what} — ${item.label}`;
            return (
              <tr data-item={n}>
                <th scope="row">{item.label}<div class="hint">{item.quantity} {item.unit}</div></th>
                <td class="num">{left}</td>
                <td><input name={`quantity-${n}`} aria-label={label(t('counter.now'))} type="number" min={0} max={left} step={1} value={String(Math.min(item.quantity, left))} disabled={left === 0} /></td>
                <td>
                  <select name={`substitution-${n}`} aria-label={label(t('counter.substitution'))} disabled={item.substitutable === false || left === 0}>
                    {(['', 'generic', 'biosimilar', 'other'] as const).map((s) => <option value={s}>{t(`counter.substitution.${s || 'none'}` as 'counter.substitution.none')}</option>)}
                  </select>
                </td>
                <td><input name={`lot-${n}`} aria-label={label(t('counter.lot'))} maxlength={64} size={8} disabled={left === 0} /></td>
                <td><input name={`expiry-${n}`} aria-label={label(t('counter.expiry'))} type="month" disabled={left === 0} /></td>
                <td>
                  <select name={`reason-${n}`} aria-label={label(t('counter.reason'))} disabled={left === 0}>
                    <option value="">{t('counter.reason.none')}</option>
                    {dispensingReasons.map((r) => <option value={r}>{t(`counter.reason.${r}`)}</option>)}
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button type="submit" class="primary" disabled={props.busy}>{props.busy ? t('busy') : t('counter.dispense')}</button>
    </form>
  );
}

function CounterPage() {
  const { lang, t, setLang } = useLang('counter');
  const i = { lang, t };
  const { stored, setStored, name, ready } = useStoredKey('pharmacy');
  const [current, setCurrent] = useState<Current | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const scan = useRef<HTMLInputElement>(null);

  // The scan field keeps the focus whenever nothing else has it, so a scanner can type at any time.
  useEffect(() => {
    const refocus = (e: FocusEvent) => {
      if (!e.relatedTarget) setTimeout(() => { if (document.activeElement === document.body) scan.current?.focus(); }, 0);
    };
    document.addEventListener('focusout', refocus);
    scan.current?.focus();
    return () => document.removeEventListener('focusout', refocus);
  }, [stored?.actorId]);

  const act = async (f: (key: StoredKey) => Promise<void>) => {
    if (!stored) return;
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await f(stored);
    } catch (err) {
      setError(errorText(i, err));
    } finally {
      setBusy(false);
      scan.current?.focus();
    }
  };

  const open = (text: string, ttl?: number) =>
    act(async (key) => {
      const parsed = parseCode(text);
      if (!parsed.ok) {
        setCurrent(null);
        throw new Error(t(parsed.reason === 'bad_check' ? 'problem.bad_check' : 'problem.bad_request'));
      }
      try {
        const claimed = await clientFor(key).claim(text, ttl);
        const p = claimed.prescription;
        const next: Current = { code: text, claim: claimed.claim, prescription: p, remaining: p.remaining, nextDueAt: p.nextDueAt, status: p.status, receipt: claimed.receipt, verified: null };
        setCurrent(next);
        setCurrent({ ...next, verified: await verifiedTrace(text) });
      } catch (err) {
        setCurrent(null);
        throw err;
      }
    });

  const dispense = (lines: DispenseLineInput[]) =>
    act(async (key) => {
      if (!current?.claim) return;
      if (lines.length === 0) throw new Error(t('counter.nothing'));
      const r = await clientFor(key).dispense(current.claim.id, current.prescription.id, lines);
      const verified = await verifiedTrace(current.code);
      setCurrent({ ...current, claim: null, remaining: r.remaining, nextDueAt: r.nextDueAt, status: r.status, receipt: r.receipt, verified });
      setNotice(t('counter.dispensed'));
    });

  const release = () =>
    act(async (key) => {
      if (!current?.claim) return;
      await clientFor(key).release(current.claim.id, current.prescription.id);
      setNotice(t('counter.released'));
      setCurrent(null);
    });

  const content = current?.prescription.content as Content | undefined;
  return (
    <>
      <Header {...i} page="counter" setLang={setLang} />
      <main>
        <h1>{t('app.counter')}</h1>
        {ready && <KeyPanel {...i} role="pharmacy" current={stored} name={name} onKey={setStored} />}
        {stored && (
          <CodeForm {...i} class="scan" id="scan" inputRef={scan} label={t('counter.scan')} hint={t('counter.scanHint')} submit={t('counter.open')} busy={busy} onCode={(text) => void open(text)} />
        )}
        <div aria-live="polite">
          {busy && <p class="hint">{t('busy')}</p>}
          {error && <Alert>{error}</Alert>}
          {notice && <Alert kind="ok">{notice}</Alert>}
        </div>
        {current && content && (
          <section class="prescription-view" aria-label={t('sheet.title')}>
            <div class="summary card">
              <div>
                <StatusBadge {...i} status={current.status} />
                {current.claim && <strong class="hold">{t('counter.holdUntil', { time: formatTime(lang, current.claim.expiresAt) })}</strong>}
              </div>
              <p class="patient"><strong>{content.patient.family.toUpperCase()}</strong> {content.patient.given.join(' ')} · {formatDay(lang, content.patient.birthDate)}</p>
              <p>{t('view.prescriber')} : {current.prescription.prescriber.name ?? current.prescription.prescriber.id} ({current.prescription.prescriber.id}) · {t('view.validUntil', { date: formatDay(lang, current.prescription.validUntil) })}</p>
              {current.verified ? <Verification {...i} verified={current.verified} /> : <p class="hint">{t('busy')}</p>}
              {current.nextDueAt && <p class="hint">{t('counter.nextDue', { date: formatDay(lang, current.nextDueAt) })}</p>}
              {current.receipt && <ReceiptLine {...i} receipt={current.receipt} />}
            </div>
            <ItemsTable {...i} content={content} remaining={current.remaining} />
            {current.claim && (
              <>
                <DispenseForm {...i} current={current} busy={busy} onDispense={dispense} />
                <div class="actions">
                  <button type="button" class="quiet" disabled={busy} onClick={() => void open(current.code, HOLD_LONGER)}>{t('counter.holdLonger')}</button>
                  <button type="button" class="quiet" disabled={busy} onClick={release}>{t('counter.release')}</button>
                </div>
              </>
            )}
            {current.verified && <Timeline {...i} verified={current.verified} />}
          </section>
        )}
      </main>
    </>
  );
}

render(<CounterPage />, document.getElementById('app')!);
