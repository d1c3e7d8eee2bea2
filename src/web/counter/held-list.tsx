/**
 * The pharmacy's held prescriptions: its open claims as Ordo lists them (GET /v1/claims, so a
 * claim made on another counter of the pharmacy shows too), with what this browser kept of each
 * (held-store.ts). A row with local content opens straight into the dispensing form; one claimed
 * on another computer says so, and its code is asked for once. Each may be extended to three
 * days or released. A record whose claim Ordo no longer lists (dispensed, released, lapsed and
 * taken, cancelled…) is deleted here.
 */
import { useEffect, useState } from 'hono/jsx/dom';
import type { OrdoClient } from '../../client/client.js';
import { OrdoProblemError } from '../../client/errors.js';
import type { StoredKey } from '../keystore.js';
import { formatWhen, isToday, type I18n } from '../ui.js';
import { readyToSign, signer } from './ordo.js';
import { deleteHeld, listHeld, type HeldRecord } from './held-store.js';

/** An open claim as Ordo lists it; `lapsed`: past its expiry, still this pharmacy's until another claims it or the sweep ends it. */
export type HeldItem = Awaited<ReturnType<OrdoClient['heldClaims']>>['items'][number];
export type HeldRow = HeldItem & { local: HeldRecord | null };

const PAGE = 50;

/** The server's list and this browser's records, side by side; stale records deleted. */
async function loadRows(key: StoredKey, cursor: string | null): Promise<{ rows: HeldRow[]; nextCursor: string | null }> {
  await readyToSign();
  const [page, local] = await Promise.all([signer(key).heldClaims({ limit: PAGE, ...(cursor && { cursor }) }), listHeld(key.actorId)]);
  const byClaim = new Map(local.map((r) => [r.claim.id, r]));
  if (!cursor && !page.nextCursor) {
    // The whole list is here: a record of a claim Ordo no longer lists has ended.
    const open = new Set(page.items.map((i) => i.claim.id));
    await Promise.all(local.filter((r) => !open.has(r.claim.id)).map((r) => deleteHeld(r.claim.id)));
  }
  return { rows: page.items.map((i) => ({ ...i, local: byClaim.get(i.claim.id) ?? null })), nextCursor: page.nextCursor };
}

export function HeldList(props: I18n & { pharmacy: StoredKey; version: number; busy: boolean; openClaim: string | null; onOpen: (row: HeldRow) => void; onExtend: (row: HeldRow) => void; onRelease: (row: HeldRow) => void; onError: (err: unknown) => void }) {
  const { t, lang } = props;
  const [rows, setRows] = useState<HeldRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    loadRows(props.pharmacy, null).then(
      (r) => { if (!gone) { setRows(r.rows); setNext(r.nextCursor); } },
      (err) => { if (!gone && !(err instanceof OrdoProblemError && err.problem.status === 404)) props.onError(err); },
    );
    return () => { gone = true; };
  }, [props.pharmacy.actorId, props.version]);
  const more = async () => {
    try {
      const r = await loadRows(props.pharmacy, next);
      setRows([...(rows ?? []), ...r.rows]);
      setNext(r.nextCursor);
    } catch (err) {
      props.onError(err);
    }
  };
  if (rows === null) return null;
  const phrase = (base: 'counter.heldList.untilWhen' | 'counter.heldList.lapsed', iso: string) => t(`${base}.${isToday(iso) ? 'today' : 'day'}`, { when: formatWhen(lang, iso) });
  return (
    <section class="held card" aria-labelledby="held-title">
      <h2 id="held-title">{t('counter.heldList.title')}</h2>
      <p class="hint">{t('counter.heldList.intro')}</p>
      {rows.length === 0 ? (
        <p>{t('counter.heldList.empty')}</p>
      ) : (
        <ul class="held-rows">
          {rows.map((row) => {
            const who = row.local ? `${row.local.content.patient.family.toUpperCase()} ${row.local.content.patient.given.join(' ')}` : t('counter.heldList.rx', { id: row.prescriptionId });
            const label = (action: string) => t('counter.heldList.label', { action, who });
            return (
              <li data-claim={row.claim.id} data-prescription={row.prescriptionId} class={`${row.lapsed ? 'lapsed' : ''}${row.claim.id === props.openClaim ? ' open' : ''}`}>
                <div class="who">
                  <strong>{who}</strong>
                  {row.local ? (
                    <span class="hint">{row.local.content.items.map((i) => i.label).join(' · ')}</span>
                  ) : (
                    <span class="hint">{t('counter.heldList.elsewhere')}</span>
                  )}
                </div>
                <div class={row.lapsed ? 'until lapsed' : 'until'}>{row.lapsed ? phrase('counter.heldList.lapsed', row.claim.expiresAt) : phrase('counter.heldList.untilWhen', row.claim.expiresAt)}</div>
                <div class="row-actions">
                  <button type="button" disabled={props.busy} aria-label={label(t('counter.heldList.open'))} onClick={() => props.onOpen(row)}>{t('counter.heldList.open')}</button>
                  <button type="button" class="quiet" disabled={props.busy} aria-label={label(t('counter.heldList.extend'))} onClick={() => props.onExtend(row)}>{t('counter.heldList.extend')}</button>
                  <button type="button" class="quiet" disabled={props.busy} aria-label={label(t('counter.heldList.releaseOne'))} onClick={() => props.onRelease(row)}>{t('counter.heldList.releaseOne')}</button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {next && <button type="button" class="quiet" onClick={() => void more()}>{t('counter.heldList.more')}</button>}
    </section>
  );
}
