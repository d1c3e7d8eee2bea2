/**
 * The event feed (docs/design.md § Event feed): an actor's events in `seq` order, after a
 * cursor, answered at once or as soon as one arrives (long polling, Server-Sent Events). A
 * prescriber reads the events of its prescriptions; a pharmacy those of each prescription it
 * claimed, from its first claim on — above all a cancel. Events carry no proof: pharmacies
 * other than the reader appear as `{ kind: "pharmacy" }`, as in the prescriber's view.
 */
import type { EventActor, EventType } from '../domain/events.js';
import type { Deps } from '../deps.js';
import type { FeedRow } from '../store/types.js';
import type { Caller } from './caller.js';
import { hubOf } from './feed-hub.js';

/** A waiter reads its page again this often even if nothing woke it (a missed wake costs this much). */
const RECHECK_MS = 5_000;

export type FeedEvent = {
  seq: number;
  prescriptionId: string;
  index: number;
  type: EventType;
  at: string;
  actor: EventActor | { kind: 'pharmacy' };
  claim: string | null;
  hash: string;
  prevHash: string;
};
export type FeedPage = { events: FeedEvent[]; cursor: string };

/** The reader sees itself, the prescriber and Ordo; other pharmacies by kind only. */
function eventOf(reader: string, r: FeedRow): FeedEvent {
  const a = JSON.parse(r.actor) as EventActor;
  const actor = a === 'ordo' || a.kind === 'prescriber' || a.id === reader ? a : { kind: 'pharmacy' as const };
  return { seq: r.seq, prescriptionId: r.prescriptionId, index: r.idx, type: r.type, at: r.at, actor, claim: r.claim, hash: r.hash, prevHash: r.prevHash };
}

async function page(deps: Deps, reader: string, after: number, limit: number): Promise<FeedPage> {
  const events = (await deps.store.feed.page(reader, after, limit)).map((r) => eventOf(reader, r));
  return { events, cursor: String(events.at(-1)?.seq ?? after) };
}

/**
 * Resolves after `ms`, or at once when woken or aborted; `wake` may come before it is awaited.
 * `stop` ends it for good.
 */
function alarm(signal?: AbortSignal) {
  let ring: (() => void) | undefined;
  let rung = false;
  const wake = () => {
    rung = true;
    ring?.();
  };
  signal?.addEventListener('abort', wake, { once: true });
  return {
    wake,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        if (rung || signal?.aborted) return resolve();
        const t = setTimeout(() => done(), ms);
        const done = () => {
          clearTimeout(t);
          ring = undefined;
          resolve();
        };
        ring = done;
      }).then(() => void (rung = false)),
    stop: () => signal?.removeEventListener('abort', wake),
  };
}

/**
 * The reader's events after `after`: at once if there are some, else as soon as one is recorded,
 * at most `waitMs` later (then an empty page, the same cursor). `onPage` (Server-Sent Events)
 * receives every non-empty page until `waitMs` has passed or `signal` aborts, instead of the
 * first one being returned.
 */
export async function readFeed(deps: Deps, caller: Caller, q: { after: number; limit: number; waitMs: number; signal?: AbortSignal; onPage?: (p: FeedPage) => Promise<void> }): Promise<FeedPage> {
  const reader = caller.actor.id;
  let current = await page(deps, reader, q.after, q.limit);
  if ((current.events.length && !q.onPage) || q.waitMs <= 0) return current;
  // A wait is a duration of the wall clock, whatever the clock of prescriptions says (tests, sandbox).
  const deadline = Date.now() + q.waitMs;
  const bell = alarm(q.signal);
  const unwatch = await hubOf(deps.store.feed).watch(reader, bell.wake);
  try {
    // Read again once watched: what was recorded in between is in this page or wakes the bell.
    current = await page(deps, reader, q.after, q.limit);
    for (;;) {
      if (current.events.length) {
        if (!q.onPage) return current;
        await q.onPage(current);
      }
      const left = deadline - Date.now();
      if (left <= 0 || q.signal?.aborted) return { events: [], cursor: current.cursor };
      // A full page means more is waiting: read on at once.
      if (current.events.length < q.limit) await bell.sleep(Math.min(left, RECHECK_MS));
      current = await page(deps, reader, Number(current.cursor), q.limit);
    }
  } finally {
    unwatch();
    bell.stop();
  }
}
