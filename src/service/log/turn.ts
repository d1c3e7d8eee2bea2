/** One turn of the log, as each runtime schedules it (Node: a timer; Workers: after writes and on the cron). */
import type { Deps } from '../../deps.js';
import { integrateAll, type Integrated } from './integrate.js';
import { publish, type Publisher } from './publish.js';

/**
 * Integrates what is new, then has the latest checkpoint timestamped and witnessed when it is
 * new, or, with `retry`, when it still lacks a token or a cosignature (a TSA or witness was down).
 */
export async function logTurn(deps: Deps, opts: Publisher & { retry?: boolean } = {}): Promise<Integrated[]> {
  const done = await integrateAll(deps);
  const { tsa, witnesses } = deps.config.log;
  if ((done.length || opts.retry) && (tsa || witnesses.length)) {
    const head = await deps.store.log.head();
    if (head) await publish(deps, head, opts);
  }
  return done;
}
