/**
 * A pharmacy's held prescriptions (Store.listHeld) on PostgreSQL: the same rows as on SQLite
 * (../held-store.ts), one range of the partial index `prescriptions_held`, each with the `at` of
 * its claim's first `claimed` event (found by `events_claimed`).
 */
import type { Pool } from 'pg';
import { UNREADABLE, unpackAt, unpackPrescription, type StoredPrescription } from '../codec.js';
import type { HeldQuery, HeldRow } from '../types.js';
import { columnsOf } from './columns.js';
import { fromPgPacked, prescriptions } from './schema.js';

const P = columnsOf(prescriptions);

const CLAIMED_AT = "(SELECT e.at FROM events e WHERE e.claim = p.claim_id AND e.type = 'claimed' ORDER BY e.seq LIMIT 1)";
const held = (after: boolean) =>
  `SELECT ${P.list('p')}, ${CLAIMED_AT} FROM prescriptions p WHERE p.claim_pharmacy = $1 AND p.claim_id IS NOT NULL` +
  (after ? ' AND (p.claim_expires_at, p.id) > ($3, $4)' : '') +
  ' ORDER BY p.claim_expires_at, p.id LIMIT $2';

export async function listHeld(pool: Pool, q: HeldQuery): Promise<HeldRow[]> {
  const after = q.after !== undefined;
  const values = [q.pharmacyId, q.limit, ...(q.after ? [q.after.claimExpiresAt, q.after.id] : [])];
  const rows = (await pool.query({ name: `ordo_held${after ? '_after' : ''}`, text: held(after), values, rowMode: 'array' })).rows as unknown as unknown[][];
  return rows.map((r) => {
    const at = r[P.keys.length];
    return { row: unpackPrescription(P.decode(r) as StoredPrescription), claimedAt: at === null || at === undefined ? UNREADABLE : unpackAt(fromPgPacked(at)) };
  });
}
