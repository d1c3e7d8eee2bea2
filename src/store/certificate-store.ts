/**
 * Certified keys and revocation lists (Store.enrol, loadCrl, getCrls) on SQLite and D1. Each
 * write is one batch through the store's `atomic`. A D1 batch cannot read and then decide, so
 * what depends on the stored rows is said in SQL: the kept CRL is replaced only by a newer one
 * (an upsert's WHERE), a key's revocation only moves earlier (the UPDATE's WHERE); what they
 * changed is read from their RETURNING rows.
 */
import { asc, inArray, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { conflictOf } from './conflict.js';
import type { Atomic, Db } from './db.js';
import { actorKeys, actors, crls, keyCertificates, requestTokens } from './schema.js';
import type { CrlDates, CrlLoad, CrlRow, Enrolment } from './types.js';

/** Revoked serials matched per statement: each chunk is one JSON parameter (D1 binds at most 100). */
export const CRL_CHUNK = 500;

type Revoked = { serial: string; at: string }[];
type Changed = CrlLoad['revokedKeys'];

export async function enrol(db: Db, atomic: Atomic, e: Enrolment): Promise<void> {
  const queries: BatchItem<'sqlite'>[] = [
    // First: a replayed request is told so, whatever else it would collide with.
    db.insert(requestTokens).values(e.token),
    ...(e.actor ? [db.insert(actors).values(e.actor)] : []),
    db.insert(actorKeys).values(e.key),
    ...(e.certificates.length ? [db.insert(keyCertificates).values(e.certificates.map((c) => ({ kid: e.key.kid, ca: c.ca, serial: c.serial })))] : []),
  ];
  try {
    await atomic(queries);
  } catch (err) {
    throw conflictOf(err);
  }
}

/**
 * The keys with a certificate (ca, serial) among the chunk's, each revoked at the earliest date
 * the chunk gives it unless it is revoked earlier already. The chunk is a JSON array of
 * [serial, at] pairs, unpacked by json_each and matched on key_certificates' primary key.
 * CROSS JOIN keeps json_each the outer loop: with a plain JOIN, SQLite 3.53 walks every
 * certificate of the CA and scans the chunk for each (157 ms a chunk with 2,000 certified keys,
 * hours for a national list over a country's practitioners, against 0.4 ms).
 */
export const revokeChunk = (db: Db, ca: string, chunk: Revoked) => {
  const pairs = JSON.stringify(chunk.map((r) => [r.serial, r.at]));
  const matched = sql`(select kc.kid k, min(json_extract(j.value, '$[1]')) at from json_each(${pairs}) j
    cross join key_certificates kc on kc.ca = ${ca} and kc.serial = json_extract(j.value, '$[0]') group by kc.kid) r`;
  return db
    .update(actorKeys)
    .set({ revokedAt: sql`r.at` })
    .from(matched)
    .where(sql`actor_keys.kid = r.k and (actor_keys.revoked_at is null or actor_keys.revoked_at > r.at)`)
    .returning({ actorId: actorKeys.actorId, kid: actorKeys.kid, revokedAt: actorKeys.revokedAt });
};

export async function loadCrl(db: Db, atomic: Atomic, crl: CrlRow, revoked: Revoked): Promise<CrlLoad> {
  const keep = db
    .insert(crls)
    .values(crl)
    .onConflictDoUpdate({
      target: crls.ca,
      set: { thisUpdate: sql`excluded.this_update`, nextUpdate: sql`excluded.next_update`, der: sql`excluded.der`, loadedAt: sql`excluded.loaded_at` },
      setWhere: sql`excluded.this_update > ${crls.thisUpdate}`,
    })
    .returning({ ca: crls.ca });
  const chunks: BatchItem<'sqlite'>[] = [];
  for (let i = 0; i < revoked.length; i += CRL_CHUNK) chunks.push(revokeChunk(db, crl.ca, revoked.slice(i, i + CRL_CHUNK)));
  const [kept, ...changed] = (await atomic([keep, ...chunks])) as [unknown[], ...Changed[]];
  return { kept: kept.length > 0 || (await sameKept(db, crl)), revokedKeys: latest(changed.flat()) };
}

/** Whether the kept CRL of `crl.ca` is `crl` itself (a retried load). */
async function sameKept(db: Db, crl: CrlRow): Promise<boolean> {
  const [row] = await getCrls(db, [crl.ca]);
  return !!row && row.thisUpdate === crl.thisUpdate && sameBytes(row.der, crl.der);
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** One entry per key, its last change (a key met by two chunks was moved earlier by the second). */
export const latest = (changes: Changed): Changed => [...new Map(changes.map((c) => [c.kid, c])).values()];

export async function getCrls(db: Db, cas?: string[]): Promise<CrlRow[]> {
  if (cas && !cas.length) return [];
  return db
    .select()
    .from(crls)
    .where(cas ? inArray(crls.ca, cas) : undefined)
    .orderBy(asc(crls.ca))
    .all();
}

export async function crlDates(db: Db): Promise<CrlDates[]> {
  return db.select({ ca: crls.ca, thisUpdate: crls.thisUpdate, nextUpdate: crls.nextUpdate }).from(crls).orderBy(asc(crls.ca)).all();
}
