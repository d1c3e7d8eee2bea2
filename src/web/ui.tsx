/**
 * What the three pages share: the header with the language switch, the key panel, problem
 * messages, the DataMatrix image and the items table (the timeline is in trace-view.tsx, the
 * code form in scan.tsx).
 */
import { useEffect, useState, type Child } from 'hono/jsx/dom';
import { OrdoClient, type Remaining } from '../client/client.js';
import { OrdoProblemError } from '../client/errors.js';
import { initialLang, locale, plural, problemMessage, quantityText, saveLang, translator, type Lang, type Translate } from './i18n.js';
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

/** In a sandbox (ORDO_SANDBOX=1), its time as /healthz tells it; undefined elsewhere. */
function useSandboxTime(): string | undefined {
  const [now, setNow] = useState<string | undefined>(undefined);
  useEffect(() => {
    fetch('/healthz')
      .then((r) => r.json() as Promise<{ sandbox?: { now?: string } }>)
      .then((h) => setNow(h.sandbox?.now), () => {});
  }, []);
  return now;
}

/** The banner every page shows in a sandbox: test data only, and the sandbox's time. */
function SandboxBanner(props: I18n & { now: string }) {
  return (
    <p class="sandbox-banner" role="status" data-sandbox-now={props.now}>
      <strong>{props.t('sandbox.title')}</strong> {props.t('sandbox.banner', { now: formatInstant(props.lang, props.now) })}
    </p>
  );
}

export function Header(props: I18n & { page: PageName; setLang: (l: Lang) => void }) {
  const { t, lang, page } = props;
  const other: Lang = lang === 'fr' ? 'en' : 'fr';
  const sandboxNow = useSandboxTime();
  return (
    <>
    {sandboxNow && <SandboxBanner t={t} lang={lang} now={sandboxNow} />}
    <header class="top">
      <a class="brand" href={`/${page}`}>Ordo</a>
      <nav aria-label={t('nav.label')}>
        {(['prescribe', 'counter', 'patient'] as const).map((p) => (
          <a href={`/${p}`} aria-current={p === page ? 'page' : undefined}>{t(`app.${p}`)}</a>
        ))}
      </nav>
      <button type="button" class="lang" lang={other} aria-label={t('lang.switchLabel')} onClick={() => props.setLang(other)}>{t('lang.switch')}</button>
    </header>
    </>
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

/** Whether an instant falls on today's date in the page's time zone. */
export const isToday = (iso: string, now = Date.now()) => new Date(iso).toDateString() === new Date(now).toDateString();

/**
 * An instant as people read it: the time alone when it is today (in the page's time zone), else
 * the day and the time ("jeudi 4 décembre à 08:11", "Thursday 4 December at 08:11"), with the
 * year when it is not this year's. Pick the sentence around it with `isToday` ("jusqu’à 08:11",
 * "jusqu’au jeudi 4 décembre à 08:11").
 */
export function formatWhen(lang: Lang, iso: string, now = Date.now()): string {
  const d = new Date(iso);
  if (isToday(iso, now)) return formatTime(lang, iso);
  const year = d.getFullYear() === new Date(now).getFullYear() ? {} : { year: 'numeric' as const };
  return d.toLocaleString(locale(lang), { weekday: 'long', day: 'numeric', month: 'long', ...year, hour: '2-digit', minute: '2-digit' });
}

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
  // On a narrow screen the table scrolls inside its own box (focusable, so a keyboard can scroll it) rather than widen the page.
  return (
    <div class="table-scroll" role="region" aria-label={t('view.items')} tabindex={0}>
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
          // A free-text line's code is its label: not repeated.
          return (
            <tr data-item={n}>
              <th scope="row">
                <strong>{item.label}</strong>
                <div class="hint">{[item.code.system === 'text' ? '' : `${item.code.system} ${item.code.value}`, item.substitutable === false ? t('sheet.nonSubstitutable', { reason: item.substitutionReason ?? '' }) : ''].filter(Boolean).join(' · ')}</div>
                <div>{item.dosage}</div>
              </th>
              <td class="prescribed">{item.supplyDays ? plural(props, 'view.supply', item.supplyDays, { what: quantityText(item.quantity, item.unit) }) : quantityText(item.quantity, item.unit)}</td>
              <td class="num">{r?.total}</td>
              <td class="num">{r?.dispensed}</td>
              <td class="num remaining">{r?.remaining}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </div>
  );
}
