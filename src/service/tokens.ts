import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type TokenUse } from '../store/types.js';

/** Records a request token used by a step that writes nothing else; a second use is 401. */
export async function recordToken(deps: Deps, use: TokenUse): Promise<void> {
  try {
    await deps.store.useToken(use);
  } catch (err) {
    if (err instanceof CommitConflict) throw new OrdoError('replayed_token', 'This request token was already used: sign a new one.');
    throw err;
  }
}
