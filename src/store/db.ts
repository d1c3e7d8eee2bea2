/** The drizzle database every store runs on, whatever the SQLite driver. */
import type { BatchItem } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as s from './schema.js';

/**
 * Any drizzle SQLite database, typed as the async driver (D1): every result is awaited, which
 * also serves better-sqlite3's plain values, and the compiler flags any result used un-awaited.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the run-result type differs per driver
export type Db = BaseSQLiteDatabase<'async', any, typeof s>;

/**
 * Runs the queries as one atomic batch: all or nothing. Resolves to each query's result, in
 * order, as D1's batch gives them (the rows of a query with RETURNING).
 */
export type Atomic = (queries: BatchItem<'sqlite'>[]) => Promise<unknown[]>;
