/**
 * The PostgreSQL schema is the SQLite one in another dialect (src/store/pg/schema.ts): the same
 * tables, the same columns by the same SQL names, so that the codec's rows fit both. A column
 * added to one and not the other fails here. PostgreSQL has one table more, event_seq (the
 * counter of the global order), and the packed value's tag round-trips every kind of value.
 */
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as sqlite from '../../src/store/schema.js';
import * as pg from '../../src/store/pg/schema.js';
import { fromPgPacked, toPgPacked } from '../../src/store/pg/schema.js';

const tables = (schema: Record<string, unknown>) =>
  Object.fromEntries(
    Object.values(schema)
      .filter((t): t is Table => typeof t === 'object' && t !== null && Symbol.for('drizzle:IsDrizzleTable') in t)
      .map((t) => [getTableName(t), Object.fromEntries(Object.entries(getTableColumns(t)).map(([k, c]) => [k, { name: c.name, notNull: c.notNull }]))]),
  );

describe('the PostgreSQL schema', () => {
  it('has the SQLite tables and columns, and event_seq', () => {
    const { event_seq: seq, ...pgTables } = tables(pg);
    expect(pgTables).toEqual(tables(sqlite));
    expect(Object.keys(seq!)).toEqual(['id', 'last']);
  });

  it('keeps a packed value of every kind exactly', () => {
    for (const v of [new Uint8Array([0, 1, 2, 255]), new Uint8Array(), 'texte gardé tel quel', '', 1764600000123, 0, -1.5]) {
      const back = fromPgPacked(toPgPacked(v));
      if (v instanceof Uint8Array) expect(Buffer.from(back as Uint8Array).equals(Buffer.from(v))).toBe(true);
      else expect(back).toBe(v);
    }
  });
});
