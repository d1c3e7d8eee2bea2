/**
 * /counter — the pharmacist scans (a scanner types the payload then Enter) or types a code; the
 * page claims the prescription, shows it with what is left per item and the prescriber verified
 * against the directory, and dispenses, holds or releases it; after a dispense, a slip to print
 * and, within 24 hours, a correction. The pharmacy's held prescriptions are listed, to dispense
 * without scanning again, extend or release. The code stays in this page's memory only: never
 * in the URL, storage, cookies or logs (what is kept for a held prescription has no code).
 *
 * The parts: counter/scan-focus.ts (the scanner heard whatever has the focus), held-list.tsx and
 * held-store.ts, prescription.tsx (the open prescription), dispense-form.tsx, slip.tsx, correction.tsx.
 */
import { render, useRef, useState } from 'hono/jsx/dom';
import type { Claimed, DispenseLineInput, Lookup } from '../client/client.js';
import { OrdoProblemError } from '../client/errors.js';
import { CodeForm } from './scan.js';
import { verifiedTrace } from './trace-view.js';
import { Alert, clientFor, errorText, formatWhen, Header, isToday, KeyPanel, useLang, useStoredKey, type I18n } from './ui.js';
import type { StoredKey } from './keystore.js';
import type { Correctable } from './counter/correction.js';
import { deleteHeld, forgetAllHeld, saveHeld, updateHeld, type HeldRecord } from './counter/held-store.js';
import { HeldList, type HeldRow } from './counter/held-list.js';
import { signer, readyToSign } from './counter/ordo.js';
import { PrescriptionView, type Opened } from './counter/prescription.js';
import { useScanFocus } from './counter/scan-focus.js';
import { receiptEvent } from './counter/slip.js';

/** Three days, ORDO_CLAIM_MAX_TTL's default: goods on order. */
const HOLD_LONGER = 259_200;
/** Problems after which a claim is over: its local record goes. */
const ENDS_CLAIM = new Set(['claim_ended', 'cancelled', 'expired', 'already_completed', 'not_found']);

/** A refusal of the page itself, already in the page's words. */
class Refusal extends Error {}

/** A problem in the counter's words: who holds a prescription and until when; a correction refused to another pharmacy. */
function problemText(i: I18n, err: unknown, correcting = false): string {
  if (err instanceof Refusal) return err.message;
  if (err instanceof OrdoProblemError && err.code === 'claimed_elsewhere') {
    const p = err.problem as { claimedUntil?: unknown; heldBy?: { id?: string; name?: string | null } };
    const who = p.heldBy?.name ?? p.heldBy?.id ?? i.t('counter.anotherPharmacy');
    if (typeof p.claimedUntil === 'string') return i.t(isToday(p.claimedUntil) ? 'counter.heldBy.today' : 'counter.heldBy.day', { who, when: formatWhen(i.lang, p.claimedUntil) });
  }
  if (correcting && err instanceof OrdoProblemError && err.code === 'forbidden') return i.t('counter.correct.notYours');
  return errorText(i, err);
}

/** The open prescription from a claim's answer (the code kept in memory). */
function openedFrom(code: string, claimed: Claimed): Opened {
  const p = claimed.prescription;
  const content = p.content as Opened['content'];
  return {
    code, claim: claimed.claim, prescriptionId: p.id, content: { patient: content.patient, items: content.items },
    prescriber: { id: p.prescriber.id, name: p.prescriber.name ?? null }, validUntil: p.validUntil, status: p.status,
    remaining: p.remaining, nextDueAt: p.nextDueAt, receipt: claimed.receipt, verified: null, done: null, correcting: null,
  };
}

/** A prescription that cannot be claimed (fully dispensed), as the code holder sees it. */
function openedFromLookup(code: string, look: Lookup): Opened {
  const content = look.prescription.content as Opened['content'];
  return {
    code, claim: null, prescriptionId: look.prescription.id, content: { patient: content.patient, items: content.items },
    prescriber: { id: look.prescription.prescriber.id, name: look.prescription.prescriber.name }, validUntil: look.prescription.validUntil, status: look.status,
    remaining: look.remaining, nextDueAt: look.nextDueAt, receipt: null, verified: null, done: null, correcting: null,
  };
}

/** Whether the focus is in a field of the page other than the scan field (a text, number or month input, a select, a text area). */
function typingElsewhere(scan: HTMLInputElement | null): boolean {
  const el = document.activeElement;
  if (!el || el === scan) return false;
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLInputElement && !['button', 'submit', 'reset', 'checkbox', 'radio', 'file'].includes(el.type));
}

/** What is kept locally for a claim: what the dispensing form needs, never the code. */
const recordOf = (pharmacyId: string, o: Opened & { claim: NonNullable<Opened['claim']> }): HeldRecord => ({
  pharmacyId, claim: o.claim, prescriptionId: o.prescriptionId, content: o.content, prescriber: o.prescriber, validUntil: o.validUntil, remaining: o.remaining, nextDueAt: o.nextDueAt,
});

function CounterPage() {
  const { lang, t, setLang } = useLang('counter');
  const i = { lang, t };
  const { stored, setStored, name, ready } = useStoredKey('pharmacy');
  const [opened, setOpened] = useState<Opened | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Steps may overlap (a scan while the last dispense's history loads): busy while any runs, and
  // a step's late answer is shown only if its prescription is still the one on screen.
  const [pending, setPending] = useState(0);
  const busy = pending > 0;
  const showing = useRef(0);
  const [heldVersion, setHeldVersion] = useState(0);
  const scan = useRef<HTMLInputElement>(null);
  useScanFocus(scan, [stored?.actorId]);

  const act = async (f: (key: StoredKey) => Promise<void>, o: { correcting?: boolean; claimId?: string } = {}) => {
    if (!stored) return;
    setPending((n) => n + 1);
    setError(null);
    setNotice(null);
    try {
      await readyToSign();
      await f(stored);
    } catch (err) {
      if (o.claimId && err instanceof OrdoProblemError && ENDS_CLAIM.has(err.code)) await deleteHeld(o.claimId).catch(() => undefined);
      setError(problemText(i, err, o.correcting));
    } finally {
      setPending((n) => n - 1);
      setHeldVersion((v) => v + 1);
      // Back to the scan field, unless the pharmacist is typing in a field of the page meanwhile
      // (a lot number while the trace verifies): the rest of what they type would land in it.
      if (!typingElsewhere(scan.current)) scan.current?.focus({ preventScroll: true });
    }
  };
  const heldText = (iso: string) => t(isToday(iso) ? 'counter.held.today' : 'counter.held.day', { when: formatWhen(lang, iso) });

  const open = (text: string) =>
    act(async (key) => {
      const mine = ++showing.current;
      const still = () => showing.current === mine;
      setOpened(null);
      let claimed: Claimed;
      try {
        claimed = await signer(key).claim(text);
      } catch (err) {
        // Fully dispensed: shown all the same, to read its history and correct a recent dispensing.
        if (!(err instanceof OrdoProblemError && err.code === 'already_completed')) throw err;
        const shown = openedFromLookup(text, await clientFor().lookup(text));
        if (still()) setOpened(shown);
        const verified = await verifiedTrace(text);
        if (still()) setOpened({ ...shown, verified });
        throw err;
      }
      const next = openedFrom(text, claimed);
      await saveHeld(recordOf(key.actorId, { ...next, claim: claimed.claim }));
      if (!still()) return;
      setOpened(next);
      const verified = await verifiedTrace(text);
      if (still()) setOpened({ ...next, verified });
    });

  const openHeld = (row: HeldRow) => {
    setError(null);
    setNotice(null);
    if (!row.local) {
      setNotice(t('counter.heldList.askCode'));
      scan.current?.focus({ preventScroll: true });
      return;
    }
    const r = row.local;
    showing.current++;
    setOpened({ code: null, claim: row.claim, prescriptionId: r.prescriptionId, content: r.content, prescriber: r.prescriber, validUntil: r.validUntil, status: 'claimed', remaining: r.remaining, nextDueAt: r.nextDueAt, receipt: null, verified: null, done: null, correcting: null });
  };

  const dispense = (lines: DispenseLineInput[]) => {
    const o = opened;
    if (!o?.claim) return;
    const claimId = o.claim.id;
    const mine = showing.current;
    return act(async (key) => {
      if (lines.length === 0) throw new Refusal(t('counter.nothing'));
      const r = await signer(key).dispense(claimId, o.prescriptionId, lines);
      await deleteHeld(claimId);
      const evt = receiptEvent(r.receipt);
      const done = { claimId, index: evt.index, at: evt.at, lines, receipt: r.receipt, corrected: false };
      const after = { ...o, claim: null, remaining: r.remaining, nextDueAt: r.nextDueAt, status: r.status, receipt: r.receipt, done, correcting: null };
      if (showing.current !== mine) return setNotice(t('counter.dispensed'));
      setOpened(after);
      setNotice(t('counter.dispensed'));
      const verified = o.code && (await verifiedTrace(o.code));
      if (verified && showing.current === mine) setOpened({ ...after, verified });
    }, { claimId });
  };

  /** Extends a claim to three days, whether open here or only listed. */
  const extend = (claimId: string, prescriptionId: string) =>
    act(async (key) => {
      const r = await signer(key).extend(claimId, prescriptionId, HOLD_LONGER);
      await updateHeld(claimId, { claim: r.claim });
      setNotice(heldText(r.claim.expiresAt));
      setOpened((o) => (o?.claim?.id === claimId ? { ...o, claim: r.claim, status: r.status, receipt: r.receipt } : o));
      if (opened?.claim?.id === claimId && opened.code) {
        const verified = await verifiedTrace(opened.code);
        setOpened((o) => (o?.claim?.id === claimId ? { ...o, verified } : o));
      }
    }, { claimId });

  const release = (claimId: string, prescriptionId: string) =>
    act(async (key) => {
      await signer(key).release(claimId, prescriptionId);
      await deleteHeld(claimId);
      setNotice(t('counter.released'));
      setOpened((o) => (o?.claim?.id === claimId ? null : o));
    }, { claimId });

  const sendCorrection = (lines: DispenseLineInput[]) => {
    const o = opened;
    const c = o?.correcting;
    if (!o || !c) return;
    const mine = showing.current;
    return act(async (key) => {
      if (lines.length === 0) throw new Refusal(t('counter.nothing'));
      const r = await signer(key).correct(c.claimId, o.prescriptionId, c.index, lines);
      const evt = receiptEvent(r.receipt);
      const done = { claimId: c.claimId, index: evt.index, at: c.dispensedAt, lines, receipt: r.receipt, corrected: true };
      const after = { ...o, remaining: r.remaining, nextDueAt: r.nextDueAt, status: r.status, receipt: r.receipt, done, correcting: null };
      if (showing.current !== mine) return setNotice(t('counter.corrected'));
      setOpened(after);
      setNotice(t('counter.corrected'));
      const verified = o.code && (await verifiedTrace(o.code));
      if (verified && showing.current === mine) setOpened({ ...after, verified });
    }, { correcting: true });
  };

  const onKey = (k: StoredKey | undefined) => {
    if (!k) {
      // Forgetting the key forgets what this browser kept of held prescriptions too.
      void forgetAllHeld();
      setOpened(null);
      setError(null);
      setNotice(null);
    }
    setStored(k);
  };

  const pharmacy = stored && { id: stored.actorId, name };
  return (
    <>
      <Header {...i} page="counter" setLang={setLang} />
      <main>
        <h1>{t('app.counter')}</h1>
        {ready && <KeyPanel {...i} role="pharmacy" current={stored} name={name} onKey={onKey} />}
        {/* Never busy: a scan is heard even while the last step finishes (its late answer then stays off screen). */}
        {stored && (
          <CodeForm {...i} class="scan" id="scan" inputRef={scan} label={t('counter.scan')} hint={t('counter.scanHint')} submit={t('counter.open')} busy={false} onCode={(text) => void open(text)} onInvalid={(m) => { setNotice(null); setError(m); }} />
        )}
        <div class="status-line" aria-live="polite">
          <p class="hint busy-line">{busy ? t('busy') : ''}</p>
          {error && <Alert>{error}</Alert>}
          {notice && <Alert kind="ok">{notice}</Alert>}
        </div>
        {opened && pharmacy && (
          <PrescriptionView
            {...i}
            opened={opened}
            pharmacy={pharmacy}
            busy={busy}
            act={{
              dispense: (lines) => void dispense(lines),
              hold: () => opened.claim && void extend(opened.claim.id, opened.prescriptionId),
              release: () => opened.claim && void release(opened.claim.id, opened.prescriptionId),
              startCorrection: (c: Correctable) => { setError(null); setNotice(null); setOpened({ ...opened, correcting: c }); },
              sendCorrection: (lines) => void sendCorrection(lines),
              keep: () => setOpened({ ...opened, correcting: null }),
            }}
          />
        )}
        {stored && (
          <HeldList
            {...i}
            pharmacy={stored}
            version={heldVersion}
            busy={busy}
            openClaim={opened?.claim?.id ?? null}
            onOpen={openHeld}
            onExtend={(row) => void extend(row.claim.id, row.prescriptionId)}
            onRelease={(row) => void release(row.claim.id, row.prescriptionId)}
            onError={(err) => setError(problemText(i, err))}
          />
        )}
      </main>
    </>
  );
}

render(<CounterPage />, document.getElementById('app')!);
