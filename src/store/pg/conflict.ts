/** What a PostgreSQL error on a write means for Ordo. */
import { CommitConflict } from '../types.js';

/** Maps a key taken (unique or foreign key) to the conflict it means, or rethrows. */
export function pgConflictOf(err: unknown): CommitConflict {
  const e = err as { code?: string; table?: string };
  if (e.code !== '23505' && e.code !== '23503') throw err;
  if (e.table === 'request_tokens') return new CommitConflict('token');
  if (e.table === 'dispensations') return new CommitConflict('dispensation');
  if (e.table === 'events') return new CommitConflict('version');
  return new CommitConflict('document');
}
