/**
 * Races on a real listening server: the version-guarded atomic write lets exactly one writer
 * win, and the losers' batches leave nothing behind (test/support/races.ts).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { COMMIT_PATHS, makeHarness } from '../support/harness.js';
import { raceTests, type Cast } from '../support/races.js';

describe.each(COMMIT_PATHS)('%s', (_, opts) => {
  let cast: Cast;
  beforeAll(async () => {
    const h = await makeHarness(opts);
    await h.listen();
    cast = { h, doctor: await h.addActor('prescriber'), pharmacies: [await h.addActor('pharmacy'), await h.addActor('pharmacy'), await h.addActor('pharmacy')] };
  });
  afterAll(() => cast.h.close());
  raceTests(() => cast);
});
