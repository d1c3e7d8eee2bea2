/**
 * The ids of Ordo's own keys a database goes with (table `ordo_keys`): the token keys that
 * sealed it and the receipt keys that signed in it. A database from before the table has no
 * rows: its ids are then those its rows name (each prescription's `token_key_id`, each
 * receipt's `kid`), read once, until the entry records them.
 */
import { eq, isNotNull, sql } from 'drizzle-orm';
import { base64url } from 'jose';
import type { Db } from './db.js';
import * as s from './schema.js';
import type { KeyIds } from './types.js';

type Kind = (typeof s.ordoKeys.$inferSelect)['kind'];

const unique = (ids: readonly string[]) => [...new Set(ids)].sort();

/** A compact JWS's protected header, decoded (base64url JSON), or undefined. */
function kidOfHeader(b64: string): string | undefined {
  try {
    const kid = (JSON.parse(new TextDecoder().decode(base64url.decode(b64))) as { kid?: unknown }).kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

async function recorded(db: Db, kind: Kind): Promise<string[]> {
  return (await db.select({ id: s.ordoKeys.id }).from(s.ordoKeys).where(eq(s.ordoKeys.kind, kind)).all()).map((r) => r.id);
}

/** What the rows name, for a database whose keys were never recorded. */
async function named(db: Db, kind: Kind): Promise<string[]> {
  if (kind === 'token') {
    return (await db.selectDistinct({ id: s.prescriptions.tokenKeyId }).from(s.prescriptions).all()).map((r) => r.id);
  }
  // A receipt is a compact JWS: the distinct protected headers are few (one per key and alg).
  const header = sql<string>`substr(${s.events.receipt}, 1, instr(${s.events.receipt}, '.') - 1)`;
  const headers = await db.selectDistinct({ header }).from(s.events).where(isNotNull(s.events.receipt)).all();
  // Receipts stored as their signature name their key through receipt_signers.
  const signers = await db.selectDistinct({ kid: s.receiptSigners.kid }).from(s.receiptSigners).all();
  return [...headers.map((r) => kidOfHeader(r.header)), ...signers.map((r) => r.kid)].filter((kid): kid is string => !!kid);
}

export async function readKeyIds(db: Db): Promise<KeyIds> {
  const ids: KeyIds = { token: [], signing: [] };
  for (const kind of ['token', 'signing'] as const) {
    const rows = await recorded(db, kind);
    ids[kind] = unique(rows.length ? rows : await named(db, kind));
  }
  return ids;
}

/** Inserts the ids not recorded yet; writes nothing when every one is (a cluster worker's start). */
export async function recordKeyIds(db: Db, ids: KeyIds, at: string): Promise<void> {
  const rows: (typeof s.ordoKeys.$inferInsert)[] = [];
  for (const kind of ['token', 'signing'] as const) {
    const have = new Set(await recorded(db, kind));
    for (const id of unique(ids[kind])) if (!have.has(id)) rows.push({ kind, id, addedAt: at });
  }
  if (rows.length) await db.insert(s.ordoKeys).values(rows).onConflictDoNothing().run();
}
