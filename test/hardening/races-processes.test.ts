/**
 * The races across processes: two Ordo processes (`npm start`, each committing its own
 * transitions) on one PostgreSQL database, requests spread over both in turn. Exactly one of 30
 * claims from 3 pharmacies wins, one of 8 dispenses on one claim, and a cancel racing a dispense
 * leaves a trace that verifies (test/support/races.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { randomBytes } from '../../src/crypto/hash.js';
import { generateSigningJwk } from '../../src/crypto/ordo-keys.js';
import { ISSUER, makeHarness } from '../support/harness.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';
import { raceTests, type Cast } from '../support/races.js';

describe('two Ordo processes on one PostgreSQL', () => {
  let cast: Cast;
  const children: ChildProcess[] = [];
  let tick: NodeJS.Timeout | undefined;
  beforeAll(async () => {
    const keys = { tokenKey: base64url.encode(randomBytes(32)), signingKey: await generateSigningJwk(), adminToken: base64url.encode(randomBytes(32)) };
    // The harness here only signs requests and reads the database: the processes serve them, on the real clock.
    const h = await makeHarness({ postgres: true, keys, now: Date.now() });
    tick = setInterval(() => (h.clock.now = Date.now()), 5);
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const started = await startOrdoProcess({
        PORT: String(port), ORDO_WORKERS: '1', ORDO_DB: h.pgUrl!, ORDO_ISSUER: ISSUER, ORDO_SECRETS: `${h.dir}/secrets-${i}`,
        ORDO_ADMIN_TOKEN: keys.adminToken, ORDO_SIGNING_KEY: JSON.stringify(keys.signingKey), ORDO_TOKEN_KEY: keys.tokenKey,
      });
      children.push(started.child);
      expect(started.stderr()).toContain('(1 process;');
      urls.push(`http://127.0.0.1:${port}`);
    }
    h.spreadOver(urls);
    cast = { h, doctor: await h.addActor('prescriber'), pharmacies: [await h.addActor('pharmacy'), await h.addActor('pharmacy'), await h.addActor('pharmacy')] };
  }, 60_000);
  afterAll(async () => {
    clearInterval(tick);
    for (const c of children) await killGroup(c);
    await cast?.h.close();
  });
  raceTests(() => cast);
});
