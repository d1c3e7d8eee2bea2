/**
 * The published test material: the file integrators use, the per-actor key files for the CLI and
 * the copy both runtimes bundle hold the same keys; every one is what it says (kid = thumbprint,
 * alg, kind); the names and contents say they are public test keys. And the clock's durations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { signingKeyFromJwk } from '../../src/client/keys.js';
import { sandboxActors, SANDBOX_WARNING } from '../../src/service/sandbox-keys.js';
import { durationMs } from '../../src/service/sandbox-clock.js';

const folder = join(import.meta.dirname, '../../sandbox');
const WARNING = 'SANDBOX TEST KEYS — PUBLIC, NEVER USE IN PRODUCTION';

describe('the published sandbox keys', () => {
  it('the published file, the key files and the bundled copy are the same keys', () => {
    const file = JSON.parse(readFileSync(join(folder, 'SANDBOX-TEST-KEYS-PUBLIC-NEVER-USE-IN-PRODUCTION.json'), 'utf8')) as { warning: string; actors: unknown[] };
    expect(file.warning).toBe(WARNING);
    expect(SANDBOX_WARNING).toBe(WARNING);
    expect(file.actors).toEqual(sandboxActors);
    expect(readdirSync(join(folder, 'keys')).sort()).toEqual(sandboxActors.map((a) => `SANDBOX-TEST-KEY-${a.id}.jwk`).sort());
    for (const a of sandboxActors) {
      const jwk = JSON.parse(readFileSync(join(folder, 'keys', `SANDBOX-TEST-KEY-${a.id}.jwk`), 'utf8')) as Record<string, string>;
      expect(jwk).toEqual({ ...a.privateJwk, kid: a.kid, alg: a.alg, warning: WARNING });
    }
    expect(readFileSync(join(folder, 'README.md'), 'utf8')).toContain(WARNING);
  });

  it('two prescribers and three pharmacies, Ed25519 and P-256 both; each kid is its thumbprint; the CLI loads every key file', async () => {
    expect(sandboxActors.map((a) => a.kind).sort()).toEqual(['pharmacy', 'pharmacy', 'pharmacy', 'prescriber', 'prescriber']);
    expect(new Set(sandboxActors.map((a) => a.alg))).toEqual(new Set(['EdDSA', 'ES256']));
    for (const a of sandboxActors) {
      const { d: _d, ...pub } = a.privateJwk;
      expect(await calculateJwkThumbprint(pub, 'sha256'), a.id).toBe(a.kid);
      const key = await signingKeyFromJwk(JSON.parse(readFileSync(join(folder, 'keys', `SANDBOX-TEST-KEY-${a.id}.jwk`), 'utf8')));
      expect([key.kid, key.alg]).toEqual([a.kid, a.alg]);
    }
  });
});

describe('the clock route reads', () => {
  it.each([
    ['P3D', 3 * 86_400_000], ['PT10M', 600_000], ['P1DT12H', 36 * 3_600_000], ['P2W', 14 * 86_400_000], ['PT1.5S', 1500], ['P1WT1S', 7 * 86_400_000 + 1000],
  ])('%s as %i ms', (text, ms) => expect(durationMs(text)).toBe(ms));
  it.each(['P', 'PT', 'P1M', 'P1Y', '3D', 'P1DT', 'P-1D', 'PT1H2', ''])('refuses %j', (text) => expect(durationMs(text)).toBeUndefined());
});
