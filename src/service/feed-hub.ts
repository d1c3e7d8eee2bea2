/**
 * Who is waiting for the event feed, in this process: one reading of the new events' readers
 * per tick for all of them (store.feed.readersSince), waking only the waiters those events
 * concern. Nothing runs while nobody waits. One hub per store: a process's, or (Workers over
 * Hyperdrive) a request's.
 */
import type { FeedStore } from '../store/types.js';

/** How often the hub looks for new events while someone waits, ms. */
export const FEED_TICK_MS = 200;
/** The most events one tick reads; more are read by the next. */
const TICK_EVENTS = 5_000;

type Waiter = () => void;

export class FeedHub {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private last: Promise<number> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly store: FeedStore) {}

  /**
   * Calls `wake` whenever an event for `actorId` is recorded after this resolves (so a page
   * read after it misses nothing: what it did not see comes with a larger `seq`, read by a
   * later tick). Returns the function that stops it.
   */
  async watch(actorId: string, wake: Waiter): Promise<() => void> {
    let set = this.waiters.get(actorId);
    if (!set) this.waiters.set(actorId, (set = new Set()));
    set.add(wake);
    const stop = () => {
      set.delete(wake);
      if (!set.size && this.waiters.get(actorId) === set) this.waiters.delete(actorId);
    };
    try {
      this.last ??= this.store.last();
      await this.last;
    } catch (err) {
      this.last = undefined;
      stop();
      throw err;
    }
    this.schedule();
    return stop;
  }

  private schedule() {
    if (this.timer === undefined && this.waiters.size) this.timer = setTimeout(() => void this.tick(), FEED_TICK_MS);
  }

  private async tick() {
    try {
      const after = await this.last!;
      const { actors, last } = await this.store.readersSince(after, TICK_EVENTS);
      this.last = Promise.resolve(last);
      for (const a of actors) for (const wake of this.waiters.get(a) ?? []) wake();
    } catch {
      // The database did not answer: the waiters re-read their pages on their own every few seconds.
    } finally {
      this.timer = undefined;
      if (this.waiters.size) this.schedule();
      // Nobody left: the next watcher starts from the latest seq again.
      else this.last = undefined;
    }
  }
}

const hubs = new WeakMap<FeedStore, FeedHub>();
export const hubOf = (store: FeedStore): FeedHub => {
  let hub = hubs.get(store);
  if (!hub) hubs.set(store, (hub = new FeedHub(store)));
  return hub;
};
