/** SQLite's (better-sqlite3's and D1's) constraint failures, as the conflicts they mean. */
import { CommitConflict } from './types.js';

/** Maps a constraint failure to the conflict it means, or rethrows. */
export function conflictOf(err: unknown): CommitConflict {
  const e = (err as { cause?: unknown }).cause ?? err;
  const msg = e instanceof Error ? e.message : '';
  if (!/constraint failed/i.test(msg)) throw err;
  if (msg.includes('request_tokens')) return new CommitConflict('token');
  if (msg.includes('dispensations')) return new CommitConflict('dispensation');
  if (msg.includes('events.')) return new CommitConflict('version');
  return new CommitConflict('document');
}
