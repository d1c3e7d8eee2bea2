/**
 * Rows written before packing, packed (the sweep calls it: design § Storage). No key is needed:
 * every value is rebuilt from the row as the services see it and packed as a new row would be,
 * and each update is guarded by the value it replaces, so a write that came in between (a code
 * rotation re-sealing a proof, a step on the prescription) stands and the row waits for the next run.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { GENESIS_HASH } from '../domain/events.js';
import { packDispensation, packEvent, packPrescription, receiptSplitOf, signersIn, unpackDispensation, unpackEvents, unpackPrescription, type Packer } from './codec.js';
import type { Atomic, Db } from './db.js';
import type { ReceiptSigners } from './packed-transition.js';
import * as s from './schema.js';

export type OldRows = { db: Db; atomic: Atomic; packer: Packer; signers: ReceiptSigners };

/** `column IS value`: equal, including a null to a null, and a blob to the same bytes. */
const is = (column: unknown, value: unknown) => sql`${column} IS ${value}`;

/** Packs the rows of up to `limit` prescriptions that still have events in text form; returns how many it packed. */
export async function packOldRows({ db, atomic, packer, signers }: OldRows, limit: number): Promise<number> {
  const ids = await db.selectDistinct({ id: s.events.prescriptionId }).from(s.events).where(s.unpackedCondition).limit(limit).all();
  let packed = 0;
  for (const { id } of ids) {
    const rows = await db.select().from(s.events).where(eq(s.events.prescriptionId, id)).orderBy(asc(s.events.idx)).all();
    const events = await unpackEvents(packer, rows, (n) => signers.of(n));
    const splits = events.map(receiptSplitOf);
    await signers.add(signersIn(splits));
    const queries: BatchItem<'sqlite'>[] = [];
    events.forEach((e, i) => {
      const r = rows[i]!;
      if (typeof r.hash !== 'string') return;
      const { prescriptionId: _p, idx: _i, ...set } = packEvent(packer, e, i === 0 ? GENESIS_HASH : events[i - 1]!.hash, splits[i]!, signers.idOf);
      queries.push(db.update(s.events).set(set).where(and(eq(s.events.seq, r.seq), is(s.events.hash, r.hash), is(s.events.proof, r.proof))));
    });
    const rx = await db.select().from(s.prescriptions).where(eq(s.prescriptions.id, id)).get();
    if (rx) {
      const { id: _id, ...set } = packPrescription(id, unpackPrescription(rx));
      queries.push(db.update(s.prescriptions).set(set).where(and(eq(s.prescriptions.id, id), eq(s.prescriptions.version, rx.version), is(s.prescriptions.terms, rx.terms))));
    }
    for (const d of await db.select().from(s.dispensations).where(and(eq(s.dispensations.prescriptionId, id), sql`typeof(${s.dispensations.mac}) = 'text'`)).all()) {
      const { pharmacyId, jti, ...set } = packDispensation(packer, unpackDispensation(packer, d));
      queries.push(db.update(s.dispensations).set(set).where(and(eq(s.dispensations.pharmacyId, pharmacyId), eq(s.dispensations.jti, jti))));
    }
    await atomic(queries);
    packed++;
  }
  return packed;
}
