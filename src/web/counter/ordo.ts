/**
 * The counter's one connection to Ordo. Every signed request goes through clients sharing what
 * was learnt of Ordo's clock; in a sandbox, whose registrar moves the clock forward, that clock is
 * read again (GET /healthz) before each step, so that no request is first refused as signed at
 * the wrong time (the SDK would sign again, but the browser logs the refusal).
 */
import type { OrdoClient } from '../../client/client.js';
import type { StoredKey } from '../keystore.js';
import { clientFor } from '../ui.js';

const ordo = clientFor();
const sandbox: Promise<boolean> = fetch('/healthz')
  .then((r) => r.json() as Promise<{ sandbox?: unknown }>)
  .then((h) => Boolean(h.sandbox), () => false);

/** A client signing as the pharmacy, on the shared clock. */
export const signer = (key: StoredKey): OrdoClient => ordo.as({ id: key.actorId, key: key.key });

/** Before a step: in a sandbox, learns its clock now. */
export async function readyToSign(): Promise<void> {
  if (await sandbox) await ordo.syncClock();
}
