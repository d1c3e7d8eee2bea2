/**
 * Certified keys and revocation lists (Store.enrol, loadCrl, getCrls) on PostgreSQL: the same
 * rows and semantics as on SQLite (../certificate-store.ts), each write one transaction. Instants
 * are compared in byte order (`COLLATE "C"`), as ISO 8601 sorts, whatever the database's collation.
 */
import type { Pool, PoolClient } from 'pg';
import { CRL_CHUNK, latest } from '../certificate-store.js';
import type { CrlDates, CrlLoad, CrlRow, Enrolment } from '../types.js';
import { columnsOf, insertOf } from './columns.js';
import * as s from './schema.js';
import { inTransaction } from './transaction.js';

const C = columnsOf(s.crls);
const insertActor = insertOf(columnsOf(s.actors));
const insertKey = insertOf(columnsOf(s.actorKeys));
const insertToken = insertOf(columnsOf(s.requestTokens));
const insertCrl = insertOf(C);

const keepCrl =
  `${insertCrl.text} ON CONFLICT (ca) DO UPDATE SET this_update = excluded.this_update, next_update = excluded.next_update, der = excluded.der, ` +
  'loaded_at = excluded.loaded_at WHERE excluded.this_update > crls.this_update RETURNING ca';

/** See revokeChunk in ../certificate-store.ts: the chunk as two arrays, serials and dates. */
const revokeChunk =
  'UPDATE actor_keys SET revoked_at = r.at FROM (SELECT kc.kid k, min(v.at COLLATE "C") at FROM unnest($2::text[], $3::text[]) v(serial, at) ' +
  'JOIN key_certificates kc ON kc.ca = $1 AND kc.serial = v.serial GROUP BY kc.kid) r ' +
  'WHERE actor_keys.kid = r.k AND (actor_keys.revoked_at IS NULL OR actor_keys.revoked_at COLLATE "C" > r.at) ' +
  'RETURNING actor_keys.actor_id, actor_keys.kid, actor_keys.revoked_at';

const run = (c: PoolClient, name: string, text: string, values: unknown[]) => c.query({ name: `ordo_${name}`, text, values });

export async function enrol(pool: Pool, e: Enrolment): Promise<void> {
  await inTransaction(pool, async (c) => {
    // First: a replayed request is told so, whatever else it would collide with.
    await run(c, 'enrol_token', insertToken.text, insertToken.values(e.token));
    if (e.actor) await run(c, 'enrol_actor', insertActor.text, insertActor.values(e.actor));
    await run(c, 'enrol_key', insertKey.text, insertKey.values(e.key));
    const n = e.certificates.length;
    if (n) {
      const text = `INSERT INTO key_certificates (kid, ca, serial) VALUES ${e.certificates.map((_, i) => `($1, $${2 * i + 2}, $${2 * i + 3})`).join(', ')}`;
      await run(c, `enrol_certificates_${n}`, text, [e.key.kid, ...e.certificates.flatMap((x) => [x.ca, x.serial])]);
    }
  });
}

export async function loadCrl(pool: Pool, crl: CrlRow, revoked: { serial: string; at: string }[]): Promise<CrlLoad> {
  return inTransaction(pool, async (c) => {
    const kept = (await run(c, 'keep_crl', keepCrl, insertCrl.values(crl))).rowCount === 1;
    const changed: CrlLoad['revokedKeys'] = [];
    for (let i = 0; i < revoked.length; i += CRL_CHUNK) {
      const chunk = revoked.slice(i, i + CRL_CHUNK);
      const r = await run(c, 'revoke_chunk', revokeChunk, [crl.ca, chunk.map((x) => x.serial), chunk.map((x) => x.at)]);
      for (const row of r.rows as { actor_id: string; kid: string; revoked_at: string }[]) changed.push({ actorId: row.actor_id, kid: row.kid, revokedAt: row.revoked_at });
    }
    return { kept: kept || (await sameKept(c, crl)), revokedKeys: latest(changed) };
  });
}

/** Whether the kept CRL of `crl.ca` is `crl` itself (a retried load). */
async function sameKept(c: PoolClient, crl: CrlRow): Promise<boolean> {
  const r = await run(c, 'same_crl', 'SELECT 1 FROM crls WHERE ca = $1 AND this_update = $2 AND der = $3', [crl.ca, crl.thisUpdate, C.encode('der', crl.der)]);
  return r.rowCount === 1;
}

export async function getCrls(pool: Pool, cas?: string[]): Promise<CrlRow[]> {
  const text = `SELECT ${C.list()} FROM crls${cas ? ' WHERE ca = ANY($1::text[])' : ''} ORDER BY ca COLLATE "C"`;
  const r = await pool.query({ name: cas ? 'ordo_crls_of' : 'ordo_crls', text, values: cas ? [cas] : [], rowMode: 'array' });
  return (r.rows as unknown as unknown[][]).map((row) => C.decode(row) as CrlRow);
}

export async function crlDates(pool: Pool): Promise<CrlDates[]> {
  const r = await pool.query<{ ca: string; this_update: string; next_update: string | null }>({ name: 'ordo_crl_dates', text: 'SELECT ca, this_update, next_update FROM crls ORDER BY ca COLLATE "C"' });
  return r.rows.map((d) => ({ ca: d.ca, thisUpdate: d.this_update, nextUpdate: d.next_update }));
}
