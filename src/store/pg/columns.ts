/**
 * Rows of the PostgreSQL schema (store/pg/schema.ts) in and out of plain SQL: the column list of
 * a table, a row decoded from an array of driver values (each column's own mapping, e.g. a
 * packed bytea, an int8 as a number), and a row's values encoded for a statement. The store's
 * statements are written in SQL (store/pg/store.ts) and prepared once per connection by name.
 */
import { getTableColumns, getTableName, type Column, type Table } from 'drizzle-orm';

/** A table's columns by key, in declaration order, and how its rows go in and out. */
export type Columns<T extends Table> = {
  table: string;
  keys: (keyof T['$inferSelect'] & string)[];
  /** `"a", "b", …`, optionally qualified by an alias (`k."a", k."b"`). */
  list(alias?: string): string;
  /** The row from driver values starting at `offset` (rowMode 'array'). */
  decode(values: unknown[], offset?: number): T['$inferSelect'];
  /** One column's value as the driver takes it. */
  encode(key: string, value: unknown): unknown;
  /** A column's SQL name, quoted. */
  name(key: string): string;
};

export function columnsOf<T extends Table>(table: T): Columns<T> {
  const cols = getTableColumns(table) as Record<string, Column>;
  const keys = Object.keys(cols) as Columns<T>['keys'];
  const decoders = keys.map((k) => cols[k]!);
  const column = (key: string) => {
    const col = cols[key];
    if (!col) throw new Error(`no column ${key} in ${getTableName(table)}`);
    return col;
  };
  return {
    table: getTableName(table),
    keys,
    list: (alias) => keys.map((k) => `${alias ? `${alias}.` : ''}"${cols[k]!.name}"`).join(', '),
    decode(values, offset = 0) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < decoders.length; i++) {
        const v = values[offset + i];
        row[keys[i]!] = v === null || v === undefined ? null : decoders[i]!.mapFromDriverValue(v);
      }
      return row as T['$inferSelect'];
    },
    encode(key, value) {
      return value === null || value === undefined ? null : column(key).mapToDriverValue(value);
    },
    name: (key) => `"${column(key).name}"`,
  };
}

/** `INSERT INTO t (keys) VALUES ($first, …)` and the row's values for it, in the same order. */
export function insertOf<T extends Table>(c: Columns<T>, keys: readonly string[] = c.keys, first = 1) {
  const names = keys.map((k) => c.name(k)).join(', ');
  const params = keys.map((_, i) => `$${first + i}`).join(', ');
  return {
    text: `INSERT INTO "${c.table}" (${names}) VALUES (${params})`,
    names,
    params: (i: number) => keys.map((_, j) => `$${first + i * keys.length + j}`).join(', '),
    values: (row: Record<string, unknown>) => keys.map((k) => c.encode(k, row[k])),
  };
}
