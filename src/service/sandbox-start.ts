/**
 * A process's start, sandbox or not (docs/design.md § Sandbox): the database checked against
 * ORDO_SANDBOX both ways, and a new sandbox seeded through the app's own routes by the one
 * process asked to. Called by both entries once the app is built.
 */
import type { Deps } from '../deps.js';
import { checkSandboxDatabase, realClockOf, withSandboxTime, type SandboxRefusal } from './sandbox.js';
import { seedSandbox, type SampleName } from './sandbox-seed.js';

export type SandboxStart = { seeded?: Record<SampleName, string> };

/**
 * Returns the refusal (the entry stops: exit 2 on Node, 503 `misconfigured` on Workers), or
 * what was seeded. Outside a sandbox: one read, nothing written.
 */
export async function startSandbox(deps: Deps, fetch: (request: Request) => Promise<Response>, o: { database: string; seed: boolean }): Promise<SandboxRefusal | SandboxStart> {
  const checked = await checkSandboxDatabase(deps.store, deps.config.sandbox, o.database, realClockOf(deps)());
  if ('variable' in checked) return checked;
  if (!deps.config.sandbox || !checked.empty || !o.seed) return {};
  return { seeded: await seedSandbox(await withSandboxTime(deps), fetch) };
}
