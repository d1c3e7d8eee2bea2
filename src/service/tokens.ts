/** Request tokens spent by steps, and retries of signed documents already recorded. */
import { timingSafeEqual } from '../crypto/compare.js';
import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type TokenUse } from '../store/types.js';
import type { Caller } from './caller.js';

/** Records a request token used by a step that writes nothing else; a second use is 401. */
export async function recordToken(deps: Deps, use: TokenUse): Promise<void> {
  try {
    await deps.store.useToken(use);
  } catch (err) {
    if (err instanceof CommitConflict) throw new OrdoError('replayed_token', 'This request token was already used: sign a new one.');
    throw err;
  }
}

const utf8 = new TextEncoder();

/**
 * A signed document sent again under a `jti` already recorded (a retry after a timeout, or two
 * copies at once): the same content gets the original answer, its new request token spent;
 * other content under that `jti` is 409 `conflict`, saying `otherwise`.
 */
export async function answerRetry<T>(deps: Deps, caller: Caller, recordedMac: string, mac: string, otherwise: string, original: () => Promise<T>): Promise<T> {
  if (!timingSafeEqual(utf8.encode(recordedMac), utf8.encode(mac))) throw new OrdoError('conflict', otherwise);
  await recordToken(deps, caller.use);
  return original();
}
