/**
 * Races on a real listening server: the version-guarded atomic write lets exactly one writer
 * win, and the losers' batches leave nothing behind (test/support/races.ts).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { makeHarness, type HarnessOptions } from '../support/harness.js';
import { raceTests, type Cast } from '../support/races.js';

// SQLite's two commit paths, prepared statements (Node's) and query-builder batches (D1's
// shape), and PostgreSQL's transaction.
const stores: [string, HarnessOptions][] = [
  ['SQLite, prepared commit', { preparedCommit: true }],
  ['SQLite, query-builder commit', { preparedCommit: false }],
  ['PostgreSQL', { postgres: true }],
];

describe.each(stores)('%s', (_, opts) => {
  let cast: Cast;
  beforeAll(async () => {
    const h = await makeHarness(opts);
    await h.listen();
    cast = { h, doctor: await h.addActor('prescriber'), pharmacies: [await h.addActor('pharmacy'), await h.addActor('pharmacy'), await h.addActor('pharmacy')] };
  });
  afterAll(() => cast.h.close());
  raceTests(() => cast);
});
