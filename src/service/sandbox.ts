/**
 * The sandbox's time and its database (docs/design.md § Sandbox). Its clock is real time plus an
 * offset the registrar moves forward (POST /v1/admin/clock), stored in the database so that every
 * process and host shares it. Everything follows it, what clients sign included (they sign on
 * the server's time: the SDK learns it from serverTime), so that a sandbox's traces verify;
 * real time (`Deps.realClock`) only serves to compute the offset.
 * Without ORDO_SANDBOX nothing here reads the database, but the one check at start.
 */
import type { Deps } from '../deps.js';
import { OrdoError } from '../domain/errors.js';
import { isoAt } from '../domain/events.js';
import type { Store } from '../store/types.js';

/** The real clock behind `deps`: `realClock` when the sandbox set one, else `clock`. */
export const realClockOf = (deps: Pick<Deps, 'clock' | 'realClock'>) => deps.realClock ?? deps.clock;

/** `deps` on a sandbox's time, given its offset: `clock` moved ahead, `realClock` the real one. */
export function atOffset(deps: Deps, offsetMs: number): Deps {
  const real = realClockOf(deps);
  return { ...deps, clock: () => real() + offsetMs, realClock: real };
}

/**
 * `deps` on the sandbox's time as the database has it now (one read), for a request or a sweep;
 * outside a sandbox `deps` as they are, without any read.
 */
export async function withSandboxTime(deps: Deps): Promise<Deps> {
  if (!deps.config.sandbox) return deps;
  return atOffset(deps, (await deps.store.sandbox.offset()) ?? 0);
}

/** The sandbox routes answer 404 `not_found`, exactly as an unknown route does, outside a sandbox. */
export function requireSandbox(deps: Deps): void {
  if (!deps.config.sandbox) throw new OrdoError('not_found', 'No such route.');
}

/** Why Ordo may not start on this database, as the entries report it (ConfigError, exit 2 or 503). */
export type SandboxRefusal = { variable: 'ORDO_SANDBOX'; message: string };

/**
 * At start, once per process: a sandbox is never production. With ORDO_SANDBOX=1 the database
 * must be marked a sandbox already or hold nothing yet (it is marked then); without it, it must
 * not be marked. Returns the refusal, or whether this sandbox holds nothing yet (to be seeded).
 * `database` names it in the message (its path on Node, the binding on Workers).
 */
export async function checkSandboxDatabase(store: Store, sandbox: boolean, database: string, nowMs: number): Promise<SandboxRefusal | { empty: boolean }> {
  const marked = (await store.sandbox.offset()) !== undefined;
  if (!sandbox) {
    if (!marked) return { empty: false };
    return { variable: 'ORDO_SANDBOX', message: `${database} is a sandbox database (seeded with published test keys): set ORDO_SANDBOX=1 to run it as a sandbox, or use another database; a sandbox never becomes production` };
  }
  const holds = await store.sandbox.holdsData();
  // Another process of this sandbox may have marked it and begun seeding since the first read.
  if (!marked && holds && (await store.sandbox.offset()) === undefined) {
    return { variable: 'ORDO_SANDBOX', message: `${database} holds data and is not a sandbox database: a sandbox starts on a new, empty database (never a production one); unset ORDO_SANDBOX, or point ORDO_DB at another database` };
  }
  if (!marked) await store.sandbox.mark(isoAt(nowMs));
  return { empty: !holds };
}
