/**
 * The prescriber's own prescriptions, newest first, 20 a page, filtered by state. Each row shows
 * its state and what is left per line (GET /v1/prescriptions/{id}); the page follows the feed
 * (long polling, stopped when the list, the key or the page goes away) and reads again only the
 * rows its events concern. The feed's cursor is kept here (`feed:<actor id>`), so a visit starts
 * where the last one stopped.
 */
import { useEffect, useRef, useState } from 'hono/jsx/dom';
import type { OrdoClient, PrescriberView } from '../../client/client.js';
import { loadLocal, saveLocal } from '../keystore.js';
import { Alert, errorText, type I18n } from '../ui.js';
import { contentFor, keepSheet, keptSheet, loadPractice, type Kept } from './content.js';
import { draftFrom, type Draft } from './draft.js';
import { RxRow, type Summary } from './row.js';
import type { SheetData } from './sheet.js';

const PAGE = 20;
const STATES = ['active', 'claimed', 'completed', 'cancelled', 'expired'] as const;

export type Session = { client: OrdoClient; ready: Promise<void> };
export type Prescriber = SheetData['prescriber'];

/** Runs `tasks` with at most `n` at a time (a page of rows costs 20 reads, not 20 at once). */
async function inBatches(tasks: (() => Promise<unknown>)[], n: number) {
  const queue = [...tasks];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let task = queue.shift(); task; task = queue.shift()) await task().catch(() => undefined);
  }));
}

const svgOf = (r: { datamatrix?: { svg: string } | { png: string } }) => (r.datamatrix && 'svg' in r.datamatrix ? r.datamatrix.svg : '');

export function PrescriptionList(props: I18n & { session: Session; actorId: string; prescriber: Prescriber; onSheet: (s: SheetData) => void; onRenew: (d: Draft) => void }) {
  const { t } = props;
  const { client, ready } = props.session;
  const [filter, setFilter] = useState('');
  const [rows, setRows] = useState<Summary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [views, setViews] = useState<Record<string, PrescriberView>>({});
  const [kept, setKept] = useState<Record<string, Kept>>({});
  const [sent, setSent] = useState<Record<string, string>>({});
  const [revealing, setRevealing] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(true);
  const [now, setNow] = useState(Date.now());
  const current = useRef({ rows, filter, generation: 0 });
  current.current.rows = rows;
  current.current.filter = filter;

  const remember = (id: string, k: Kept) => setKept((m) => ({ ...m, [id]: k }));
  const refresh = async (id: string) => {
    const view = await client.get(id);
    setViews((m) => ({ ...m, [id]: view }));
    setRows((rs) => rs.map((r) => (r.id === id ? { ...r, status: view.status, validUntil: view.validUntil } : r)));
    setNow(client.now());
  };

  /** The first page (again), or the one after `cursor`, with each row's details. */
  const load = async (cursor?: string) => {
    const generation = cursor ? current.current.generation : ++current.current.generation;
    setLoading(true);
    setError(null);
    try {
      await ready;
      const state = current.current.filter;
      const page = await client.list({ ...(state && { state }), ...(cursor && { cursor }), limit: PAGE });
      if (generation !== current.current.generation) return;
      setRows((rs) => (cursor ? [...rs, ...page.items.filter((x) => !rs.some((r) => r.id === x.id))] : page.items));
      setNext(page.nextCursor);
      setNow(client.now());
      await Promise.all([
        inBatches(page.items.map((r) => () => refresh(r.id)), 4),
        ...page.items.map((r) => keptSheet(r.id).then((k) => k && remember(r.id, k), () => undefined)),
      ]);
    } catch (err) {
      setError(err);
    } finally {
      if (generation === current.current.generation) setLoading(false);
    }
  };

  useEffect(() => {
    void load();
  }, [filter]);

  // The feed: events of the rows on screen read them again; a prescription issued elsewhere
  // (newer than the first row) brings the first page back, or comes on top of longer lists.
  useEffect(() => {
    const stop = new AbortController();
    const onHide = () => stop.abort();
    addEventListener('pagehide', onHide);
    const cursorName = `feed:${props.actorId}`;
    const pending = new Map<string, { type: string; at: string }>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let after = '0';
    const flush = () => {
      timer = undefined;
      const { rows: shown } = current.current;
      const newest = shown[0]?.issuedAt ?? '';
      let fresh = false;
      for (const [id, e] of pending) {
        if (shown.some((r) => r.id === id)) void refresh(id).catch(() => undefined);
        else if (e.type === 'issued' && e.at > newest) fresh = true;
      }
      pending.clear();
      void saveLocal(cursorName, after).catch(() => undefined);
      if (fresh && shown.length <= PAGE) void load();
    };
    (async () => {
      await ready;
      after = (await loadLocal<string>(cursorName).catch(() => undefined)) ?? '0';
      for await (const e of client.feed({ after, limit: 500, signal: stop.signal })) {
        pending.set(e.prescriptionId, e);
        after = String(e.seq);
        timer ??= setTimeout(flush, 300);
      }
    })().catch(() => {
      if (!stop.signal.aborted) setLive(false);
    });
    return () => {
      stop.abort();
      removeEventListener('pagehide', onHide);
      if (timer) clearTimeout(timer);
    };
  }, [client]);

  const summaryOf = (id: string) => current.current.rows.find((r) => r.id === id)!;
  const show = async (id: string, code: { code: string; datamatrix?: { svg: string } | { png: string } }, note: SheetData['note']) => {
    const k = await contentFor(client, id, code.code);
    remember(id, k);
    const s = summaryOf(id);
    props.onSheet({ id, code: code.code, svg: svgOf(code), content: k.content, issuedAt: s.issuedAt, validUntil: s.validUntil, prescriber: props.prescriber, note });
  };
  const handlers = (id: string) => ({
    onReprint: async () => show(id, await client.reprint(id, { datamatrix: 'svg' }), 'reprinted'),
    onRotate: async () => show(id, await client.reprint(id, { rotate: true, datamatrix: 'svg' }), 'rotated'),
    onCancel: async (reason: string) => {
      await client.cancel(id, reason);
      setSent((m) => ({ ...m, [id]: reason }));
      const k = kept[id] ?? (await keptSheet(id).catch(() => undefined));
      if (k) {
        const updated = { ...k, cancelReason: reason };
        remember(id, updated);
        await keepSheet(id, updated).catch(() => undefined);
      }
      await refresh(id);
    },
    onRenew: async () => {
      const k = await contentFor(client, id);
      remember(id, k);
      props.onRenew(draftFrom(k.content, { id, issuedAt: summaryOf(id).issuedAt }, await loadPractice()));
    },
  });
  const reveal = (id: string) => {
    setRevealing(id);
    contentFor(client, id).then((k) => remember(id, k), setError).finally(() => setRevealing(null));
  };

  return (
    <section class="rx-list" aria-labelledby="list-title">
      <div class="list-head">
        <h2 id="list-title">{t('list.title')}</h2>
        <label>{t('view.status')}
          <select name="state" onChange={(e: Event) => setFilter((e.target as HTMLSelectElement).value)}>
            <option value="" selected={filter === ''}>{t('list.all')}</option>
            {STATES.map((s) => <option value={s} selected={filter === s}>{t(`view.status.${s}`)}</option>)}
          </select>
        </label>
      </div>
      <p class="hint" role="status">{live ? t('list.live') : t('list.liveOff')}</p>
      {error !== null && <Alert>{errorText(props, error)}</Alert>}
      <ul class="rx-rows">
        {rows.map((r) => {
          const k = kept[r.id];
          const reason = sent[r.id] ?? k?.cancelReason;
          return (
            <RxRow {...props} {...handlers(r.id)} summary={r} view={views[r.id]} kept={k} sentReason={reason} now={now}
              revealing={revealing === r.id} onReveal={() => reveal(r.id)} />
          );
        })}
      </ul>
      {loading && <p class="hint">{t('busy')}</p>}
      {!loading && rows.length === 0 && <p>{t(filter ? 'list.emptyFiltered' : 'list.empty')}</p>}
      {next && !loading && <button type="button" class="quiet more" onClick={() => void load(next)}>{t('list.more')}</button>}
    </section>
  );
}
