/**
 * Running conformance checks against one Ordo: each check gets the deployment (the SDK with the
 * registrar token, and raw requests) and registers the actors it needs, with fresh keys and ids
 * of this run (`conformance-<run>-<check>-<label>`) that no other run or actor can have. When the
 * check ends, pass or fail, its actors are suspended: a run leaves test data behind (actors,
 * prescriptions, events in the log) but no actor that can still act.
 */
import { base32 } from '@scure/base';
import type { Actor, OrdoClient } from '../client/client.js';
import { generateKey } from '../client/sign.js';
import { randomBytes } from '../crypto/hash.js';
import { reasonOf, step } from './expect.js';

/** An Ordo to check. */
export type Target = {
  /** The SDK pointed at it, with its issuer and the registrar token. */
  ordo: OrdoClient;
  /** A request to it as is, `path` from its root (for what the SDK does not send: a replayed token). */
  rawFetch: (path: string, init?: RequestInit) => Promise<Response>;
  /** How long the transparency log may take to include a write, in ms (default 30 000). */
  logWaitMs?: number;
};

/** What a check runs against: the target, and the actors it registers. */
export type CheckTarget = Target & {
  /** A new actor of this run with a fresh key (Ed25519 unless said), suspended when the check ends. */
  actor(kind: 'prescriber' | 'pharmacy', label: string, alg?: 'Ed25519' | 'P-256'): Promise<Actor>;
  logWaitMs: number;
};

/** One black-box check of the contract; throws (CheckFailed, from ./expect.ts) when the deployment breaks it. */
export type Check = { name: string; summary: string; run(target: CheckTarget): Promise<void> };

export type CheckResult = {
  name: string;
  ok: boolean;
  /** Wall time of the check, actors' registration and suspension included, in ms. */
  ms: number;
  /** Why it failed, in one line. */
  reason?: string;
  /** The ids of the actors it registered (suspended since). */
  actors: string[];
  /** The error itself, for a test runner to throw. */
  error?: unknown;
};

/** A run's tag: 8 random base32 characters, lowercase. */
export const newRunTag = () => base32.encode(randomBytes(5)).toLowerCase();

export const DEFAULT_LOG_WAIT_MS = 30_000;

/** Runs one check; never throws: the result says how it went. */
export async function runCheck(target: Target, check: Check, tag = newRunTag()): Promise<CheckResult> {
  const started = Date.now();
  const actors: string[] = [];
  const actor: CheckTarget['actor'] = async (kind, label, alg = 'Ed25519') => {
    const id = `conformance-${tag}-${check.name}-${label}`;
    const key = await generateKey(alg);
    await step(`registering ${kind} ${id}`, target.ordo.addActor({ id, kind, name: `Conformance ${check.name} ${label}`, keys: [key.publicJwk] }));
    actors.push(id);
    return { id, key };
  };
  let error: unknown;
  try {
    await check.run({ ...target, actor, logWaitMs: target.logWaitMs ?? DEFAULT_LOG_WAIT_MS });
  } catch (err) {
    error = err;
  }
  for (const id of actors) {
    try {
      await step(`suspending ${id} at the end`, target.ordo.suspend(id));
    } catch (err) {
      error ??= err;
    }
  }
  const ms = Date.now() - started;
  return error === undefined ? { name: check.name, ok: true, ms, actors } : { name: check.name, ok: false, ms, actors, reason: reasonOf(error), error };
}

/** Runs the checks one after the other (each registers its own actors), under one run tag (default: a new one). */
export async function runChecks(target: Target, checks: readonly Check[], o: { tag?: string; onResult?: (r: CheckResult) => void } = {}): Promise<CheckResult[]> {
  const tag = o.tag ?? newRunTag();
  const results: CheckResult[] = [];
  // What the checks sign themselves is signed on the server's time (a sandbox's runs ahead).
  await target.ordo.syncClock();
  for (const check of checks) {
    const r = await runCheck(target, check, tag);
    o.onResult?.(r);
    results.push(r);
  }
  return results;
}
