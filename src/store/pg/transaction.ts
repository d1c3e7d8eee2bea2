/** One transaction on one connection of the pool. */
import type { Pool, PoolClient } from 'pg';
import { CommitConflict } from '../types.js';
import { pgConflictOf } from './conflict.js';

/**
 * Runs `work` in one transaction on one connection: committed, or rolled back whole (a key
 * taken is a CommitConflict). A connection that failed is not given back to the pool.
 */
export async function inTransaction<T>(pool: Pool, work: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const result = await work(c);
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => (broken = true));
    if (err instanceof CommitConflict) throw err;
    throw pgConflictOf(err);
  } finally {
    c.release(broken);
  }
}
