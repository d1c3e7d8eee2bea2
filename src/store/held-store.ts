/**
 * A pharmacy's held prescriptions (Store.listHeld) on SQLite and D1: one range of the partial
 * index `prescriptions_held` (claim_pharmacy, claim_expires_at, id — rows with an open claim
 * only), each with the `at` of its claim's first `claimed` event, found by `events_claimed`.
 */
import { and, asc, eq, getTableColumns, gt, isNotNull, or, sql } from 'drizzle-orm';
import { UNREADABLE, unpackAt, unpackPrescription } from './codec.js';
import type { Db } from './db.js';
import { events, prescriptions as t } from './schema.js';
import type { HeldQuery, HeldRow } from './types.js';

/** The claim's opening instant as stored: epoch ms, or RFC 3339 text on a row from before packing. */
const claimedAt = sql<number | string | null>`(select ${events.at} from ${events} where ${events.claim} = ${t.claimId} and ${events.type} = 'claimed' order by ${events.seq} limit 1)`;

export async function listHeld(db: Db, q: HeldQuery): Promise<HeldRow[]> {
  const rows = await db
    .select({ ...getTableColumns(t), claimedAt })
    .from(t)
    .where(
      and(
        eq(t.claimPharmacy, q.pharmacyId),
        // Literally the index's condition: what lets SQLite use the partial index.
        isNotNull(t.claimId),
        q.after ? or(gt(t.claimExpiresAt, q.after.claimExpiresAt), and(eq(t.claimExpiresAt, q.after.claimExpiresAt), gt(t.id, q.after.id))) : undefined,
      ),
    )
    .orderBy(asc(t.claimExpiresAt), asc(t.id))
    .limit(q.limit)
    .all();
  return rows.map(({ claimedAt: at, ...row }) => ({ row: unpackPrescription(row), claimedAt: at === null ? UNREADABLE : unpackAt(at) }));
}
