/**
 * What the three pages share: the header with the language switch, the key panel, problem
 * messages, the DataMatrix image, the items table and the verified timeline.
 */
import { useEffect, useState, type Child, type RefObject } from 'hono/jsx/dom';
import { decodeJwt } from 'jose';
import { exportTrace, timelineEntries, verifyBundle, type TraceBundle } from '../client/bundle.js';
import { OrdoClient, type Remaining } from '../client/client.js';
import { OrdoProblemError } from '../client/errors.js';
import { initialLang, locale, problemMessage, saveLang, translator, type Lang, type Translate } from './i18n.js';
import { forgetKey, importPrivateJwk, loadKey, saveKey, type Role, type StoredKey } from './keystore.js';

export type PageName = 'prescribe' | 'counter' | 'patient';

/** ORDO_ISSUER, given by the page shell: the `aud` of every token and document signed here. */
export const issuer = () => document.querySelector<HTMLMetaElement>('meta[name="ordo-issuer"]')?.content ?? location.origin;

export function clientFor(stored?: StoredKey): OrdoClient {
  return new OrdoClient({ url: location.origin, issuer: issuer(), ...(stored && { actor: { id: stored.actorId, key: stored.key } }) });
}

/** Language state for a page: the server's choice from Accept-Language, or the switch's. */
export function useLang(page: PageName) {
  const [lang, setLangState] = useState<Lang>(initialLang());
  const t = translator(lang);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${t(`app.${page}`)} · Ordo`;
  }, [lang]);
  const setLang = (l: Lang) => {
    saveLang(l);
    setLangState(l);
  };
  return { lang, t, setLang };
}

export type I18n = { lang: Lang; t: Translate };

export function Header(props: I18n & { page: PageName; setLang: (l: Lang) => void }) {
  const { t, lang, page } = props;
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  return (
    <header class="top">
      <a class="brand" href={`/${page}`}>Ordo</a>
      <nav aria-label={t('nav.label')}>
        {(['prescribe', 'counter', 'patient'] as const).map((p) => (
          <a href={`/${p}`} aria-current={p === page ? 'page' : undefined}>{t(`app.${p}`)}</a>
        ))}
      </nav>
      <button type="button" class="lang" lang={other} aria-label={t('lang.switchLabel')} onClick={() => props.setLang(other)}>{t('lang.switch')}</button>
    </header>
  );
}

/** Anything thrown by a call, as the person at the screen should read it. */
export function errorText(i: I18n, err: unknown): string {
  if (err instanceof OrdoProblemError) return problemMessage(i.t, i.lang, err.problem);
  if (err instanceof TypeError) return i.t('problem.network');
  return i.t('problem.other', { detail: err instanceof Error ? err.message : String(err) });
}

export function Alert(props: { kind?: 'error' | 'ok' | 'warn'; children: Child }) {
  const kind = props.kind ?? 'error';
  return (
    <p class={`alert ${kind}`} role={kind === 'ok' ? 'status' : 'alert'}>
      {props.children}
    </p>
  );
}

/**
 * The signing key of this browser for a role: loaded from IndexedDB, or from a file once, and
 * checked against the directory (right kind, key registered and not revoked, actor not suspended).
 */
export function KeyPanel(props: I18n & { role: Role; onKey: (k: StoredKey | undefined) => void; current: StoredKey | undefined; name: string | null }) {
  const { t, role } = props;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const actorId = (form.elements.namedItem('actorId') as HTMLInputElement).value.trim();
    const file = (form.elements.namedItem('keyFile') as HTMLInputElement).files?.[0];
    if (!actorId || !file) return;
    setBusy(true);
    setError(null);
    try {
      let key;
      try {
        key = await importPrivateJwk(await file.text());
      } catch {
        throw new Error(t('key.bad'));
      }
      const stored = { actorId, key };
      await checkAgainstDirectory(props, stored);
      await saveKey(role, stored);
      props.onKey(stored);
    } catch (err) {
      setError(err instanceof Error && !(err instanceof OrdoProblemError) ? err.message : errorText(props, err));
    } finally {
      setBusy(false);
    }
  };

  if (props.current) {
    return (
      <section class="key loaded" aria-label={t('key.title')}>
        <span>{t('key.as', { name: props.name ?? props.current.actorId, id: props.current.actorId })}</span>
        <button type="button" class="quiet" onClick={async () => { await forgetKey(role); props.onKey(undefined); }}>{t('key.forget')}</button>
      </section>
    );
  }
  return (
    <section class="key card">
      <h2>{t('key.title')}</h2>
      <p class="hint">{t(`key.intro.${role}`)}</p>
      <form onSubmit={load} class="row">
        <label>
          {t(`key.actorId.${role}`)}
          <input name="actorId" required autocomplete="username" pattern="[A-Za-z0-9._\-]{1,64}" />
        </label>
        <label>
          {t('key.file')}
          <input name="keyFile" type="file" required accept=".json,.jwk,application/json" />
        </label>
        <button type="submit" disabled={busy}>{t('key.load')}</button>
      </form>
      {error && <Alert>{error}</Alert>}
    </section>
  );
}

async function checkAgainstDirectory(i: I18n & { role: Role }, stored: StoredKey) {
  let entry;
  try {
    entry = await clientFor().directory(stored.actorId);
  } catch (err) {
    if (err instanceof OrdoProblemError && err.code === 'not_found') throw new Error(i.t('key.unknownActor'));
    throw err;
  }
  if (entry.kind !== i.role) throw new Error(i.t('key.wrongKind', { kind: entry.kind }));
  if (entry.status !== 'active') throw new Error(i.t('key.suspended'));
  if (!entry.keys.some((k) => k.kid === stored.key.kid && k.status === 'active')) throw new Error(i.t('key.notRegistered', { id: stored.actorId }));
  return entry;
}

/** The stored key of a role and the actor's name from the directory. */
export function useStoredKey(role: Role) {
  const [stored, setStored] = useState<StoredKey | undefined>(undefined);
  const [name, setName] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    loadKey(role).then((k) => { setStored(k); setReady(true); }, () => setReady(true));
  }, []);
  useEffect(() => {
    if (!stored) return setName(null);
    clientFor().directory(stored.actorId).then((d) => setName(d.name), () => setName(null));
  }, [stored?.actorId, stored?.key.kid]);
  return { stored, setStored, name, ready };
}

/** The DataMatrix as an image (a blob: URL, so the strict CSP needs no inline SVG). */
export function DataMatrixImage(props: { svg: string; label: string; class?: string }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([props.svg], { type: 'image/svg+xml' }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [props.svg]);
  return url ? <img class={`datamatrix ${props.class ?? ''}`} src={url} alt={props.label} /> : null;
}

export const formatDay = (lang: Lang, date: string) =>
  new Date(/^\d{4}-\d{2}-\d{2}$/.test(date) ? `${date}T12:00:00Z` : date).toLocaleDateString(locale(lang), { day: 'numeric', month: 'long', year: 'numeric' });
export const formatTime = (lang: Lang, iso: string) => new Date(iso).toLocaleTimeString(locale(lang), { hour: '2-digit', minute: '2-digit' });
export const formatInstant = (lang: Lang, iso: string) => new Date(iso).toLocaleString(locale(lang), { dateStyle: 'medium', timeStyle: 'short' });

export type Content = {
  iat?: number;
  prescriber?: { name?: string; profession?: string; structure?: { name?: string; address?: string; phone?: string } };
  patient: { family: string; given: string[]; birthDate: string };
  items: { code: { system: string; value: string }; label: string; dosage: string; quantity: number; unit: string; supplyDays?: number; renewals?: number; substitutable?: boolean; substitutionReason?: string }[];
  renewals?: number;
  controlled?: boolean;
  notes?: string;
};

export function StatusBadge(props: I18n & { status: string }) {
  return <span class={`status ${props.status}`}>{props.t(`view.status.${props.status}` as 'view.status.active')}</span>;
}

export function ItemsTable(props: I18n & { content: Content; remaining: Remaining; children?: (item: number) => Child }) {
  const { t } = props;
  return (
    <table class="items">
      <caption>{t('view.items')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('view.item')}</th>
          <th scope="col">{t('view.prescribed')}</th>
          <th scope="col" class="num">{t('view.total')}</th>
          <th scope="col" class="num">{t('view.dispensed')}</th>
          <th scope="col" class="num">{t('view.remaining')}</th>
        </tr>
      </thead>
      <tbody>
        {props.content.items.map((item, n) => {
          const r = props.remaining.find((x) => x.item === n);
          return (
            <tr data-item={n}>
              <th scope="row">
                <strong>{item.label}</strong>
                <div class="hint">{item.code.system} {item.code.value}{item.substitutable === false ? ` · ${t('sheet.nonSubstitutable', { reason: item.substitutionReason ?? '' })}` : ''}</div>
                <div>{item.dosage}</div>
              </th>
              <td>{item.quantity} {item.unit}{item.supplyDays ? ` / ${item.supplyDays} j` : ''}</td>
              <td class="num">{r?.total}</td>
              <td class="num">{r?.dispensed}</td>
              <td class="num remaining">{r?.remaining}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

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

/** Camera scanning where the browser has a DataMatrix BarcodeDetector; calls back with the text. */
export function CameraScan(props: I18n & { onText: (text: string) => void }) {
  const [on, setOn] = useState(false);
  const [supported, setSupported] = useState(false);
  useEffect(() => {
    const BD = (globalThis as { BarcodeDetector?: { getSupportedFormats(): Promise<string[]> } }).BarcodeDetector;
    BD?.getSupportedFormats().then((f) => setSupported(f.includes('data_matrix')), () => undefined);
  }, []);
  useEffect(() => {
    if (!on) return;
    let stop = false;
    let stream: MediaStream | undefined;
    const video = document.getElementById('camera') as HTMLVideoElement;
    (async () => {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      video.srcObject = stream;
      await video.play();
      const BD = (globalThis as unknown as { BarcodeDetector: new (o: object) => { detect(v: HTMLVideoElement): Promise<{ rawValue: string }[]> } }).BarcodeDetector;
      const detector = new BD({ formats: ['data_matrix'] });
      while (!stop) {
        const [found] = await detector.detect(video).catch(() => []);
        if (found) {
          setOn(false);
          props.onText(found.rawValue);
          return;
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    })().catch(() => setOn(false));
    return () => {
      stop = true;
      stream?.getTracks().forEach((tr) => tr.stop());
    };
  }, [on]);
  if (!supported) return null;
  return (
    <div class="camera">
      <button type="button" class="quiet" onClick={() => setOn(!on)}>{props.t(on ? 'counter.cameraStop' : 'counter.camera')}</button>
      {on && <video id="camera" muted playsinline />}
    </div>
  );
}

/**
 * Where a code comes in: typed, or typed by a scanner (payload then Enter), or from the camera.
 * The field is emptied as soon as it is read: a code does not stay on screen.
 */
export function CodeForm(props: I18n & { id: string; label: string; hint: string; submit: string; busy: boolean; onCode: (text: string) => void; inputRef?: RefObject<HTMLInputElement | null>; autofocus?: boolean; class?: string }) {
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem(props.id) as HTMLInputElement;
    const text = input.value;
    input.value = '';
    if (text.trim()) props.onCode(text);
  };
  return (
    <form class={`card ${props.class ?? ''}`} onSubmit={onSubmit}>
      <label for={props.id}>{props.label}</label>
      <div class="row">
        <input id={props.id} name={props.id} ref={props.inputRef} autocomplete="off" autocapitalize="characters" spellcheck={false} aria-describedby={`${props.id}-hint`} autofocus={props.autofocus} />
        <button type="submit" disabled={props.busy}>{props.submit}</button>
      </div>
      <p id={`${props.id}-hint`} class="hint">{props.hint}</p>
      <CameraScan {...props} onText={props.onCode} />
    </form>
  );
}
