/** GET /healthz: 200 while the database answers, 503 once it does not, on either database. */
import { describe, expect, it } from 'vitest';
import { makeHarness } from '../support/harness.js';
import type { PgStore } from '../../src/store/pg/store.js';

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('on %s', (_, postgres) => {
  it('says whether the database answers', async () => {
    const h = await makeHarness({ postgres });
    try {
      const up = await h.send('GET', '/healthz');
      expect([up.status, await up.json()]).toEqual([200, { status: 'ok', database: 'ok' }]);
      // The database gone: the file closed, the pool ended.
      if (postgres) await (h.store as PgStore).close();
      else h.db.close();
      const down = await h.send('GET', '/healthz');
      expect([down.status, await down.json()]).toEqual([503, { status: 'unavailable', database: 'unreachable' }]);
    } finally {
      await h.close().catch(() => {});
    }
  });
});
