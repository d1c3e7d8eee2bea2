/**
 * The registrar's sandbox verbs: move the clock forward (then sweep at the new time, so that what
 * fell due shows at once), tell the time, list the seeded samples with their codes. Every one
 * answers 404 outside a sandbox (`requireSandbox`).
 */
import type { Deps } from '../deps.js';
import { OrdoError } from '../domain/errors.js';
import { isoAt } from '../domain/events.js';
import { codeView } from './code-access.js';
import { atOffset, realClockOf, requireSandbox } from './sandbox.js';
import { sandboxActors } from './sandbox-keys.js';
import { SAMPLE_JTI_PREFIX } from './sandbox-seed.js';
import { sweep } from './sweep.js';

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** An ISO 8601 duration of weeks, days, hours, minutes and seconds, in ms; undefined for anything else (months and years are not fixed lengths). */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [w, d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number];
  return Math.round((((w * 7 + d) * 24 + h) * 60 + min) * 60_000 + s * 1000);
}

export type ClockMove = { advance: number | string } | { to: string };

/** The sandbox's clock as the routes answer it. */
export function clockView(deps: Deps) {
  const now = deps.clock();
  const real = realClockOf(deps)();
  return { now: isoAt(now), realNow: isoAt(real), offsetSeconds: (now - real) / 1000 };
}

/**
 * Moves the sandbox's clock forward by `advance` (seconds, or an ISO 8601 duration) or to `to`;
 * then sweeps at the new time. `deps` are on the sandbox's time (the request's). 409 `conflict`
 * for a time before the sandbox's now: its clock never goes back.
 */
export async function moveSandboxClock(deps: Deps, move: ClockMove) {
  requireSandbox(deps);
  const now = deps.clock();
  let target: number;
  if ('to' in move) target = Date.parse(move.to);
  else {
    const ms = typeof move.advance === 'number' ? move.advance * 1000 : durationMs(move.advance);
    if (ms === undefined) throw new OrdoError('bad_request', 'advance: seconds, or an ISO 8601 duration of weeks, days, hours, minutes and seconds such as "P3D", "PT10M" or "P1DT12H" (no months or years).', { errors: [{ path: 'advance', message: 'not a duration Ordo reads' }] });
    target = now + ms;
  }
  if (target < now) throw new OrdoError('conflict', `The sandbox's clock only moves forward: it is ${isoAt(now)} there already.`, { serverTime: isoAt(now) });
  const offset = await deps.store.sandbox.advance(Math.ceil(target - realClockOf(deps)()));
  const moved = atOffset(deps, offset);
  await sweep(moved);
  return clockView(moved);
}

/** The seeded sample prescriptions, found by their document jti, with their current codes (test data). */
export async function sandboxSamples(deps: Deps) {
  requireSandbox(deps);
  const samples = [];
  for (const a of sandboxActors) {
    if (a.kind !== 'prescriber') continue;
    for (const row of await deps.store.listPrescriptions({ prescriberId: a.id, limit: 200 })) {
      if (!row.docJti.startsWith(SAMPLE_JTI_PREFIX)) continue;
      const { code, payload } = await codeView(deps, row);
      samples.push({ name: row.docJti.slice(SAMPLE_JTI_PREFIX.length), id: row.id, prescriber: a.id, status: row.status, validUntil: row.validUntil, codeVersion: row.codeVersion, code, payload });
    }
  }
  return { samples };
}
