/** The log's note key as the service uses it: a signer, and the verifier key it publishes. */
import type { Deps } from '../../deps.js';
import type { JWK } from 'jose';
import { openCheckpoint, parseCheckpoint } from '../../log/checkpoint.js';
import { noteSigner, noteVerifier, parseNote, verifierKeyOf, type NoteSigner } from '../../log/note.js';
import type { CryptoSuite } from '../../crypto/suite/types.js';
import type { LogStore } from '../../store/types.js';

const signers = new WeakMap<object, Promise<NoteSigner>>();

/** The note signer of `deps.keys.logKey`, named by the log's origin (built once per key). */
export function logSigner(deps: Pick<Deps, 'crypto' | 'keys' | 'config'>): Promise<NoteSigner> {
  let s = signers.get(deps.keys);
  if (!s) signers.set(deps.keys, (s = noteSigner(deps.crypto, deps.config.log.origin, deps.keys.logKey)));
  return s;
}

/** The C2SP verifier key of the log (`origin+keyid+base64`), as /log/key publishes it. */
export async function logVerifierKey(deps: Pick<Deps, 'crypto' | 'keys' | 'config'>): Promise<string> {
  return verifierKeyOf(deps.crypto, await logSigner(deps));
}

/**
 * The log's origin for this start, or why Ordo must not start. A log that exists keeps its
 * origin (the first line of its checkpoints) unless ORDO_LOG_ORIGIN says otherwise, and then they
 * must agree; and its latest checkpoint must verify with this note key: another key or origin
 * would start a second log under the first one's name, and every witness and monitor would
 * refuse it. Before the first checkpoint, the configured origin.
 */
export async function resolveLogOrigin(suite: CryptoSuite, log: LogStore, config: Deps['config']['log'], logKey: JWK): Promise<{ origin: string; existing: boolean } | { variable: string; message: string }> {
  const head = await log.head();
  if (!head) return { origin: config.origin, existing: false };
  const parsed = parseNote(head.note);
  const checkpoint = parsed.ok ? parseCheckpoint(parsed.text) : undefined;
  if (!checkpoint?.ok) return { origin: config.origin, existing: true }; // unreadable: integration will say so
  const origin = checkpoint.checkpoint.origin;
  if (config.originGiven && config.origin !== origin) {
    return { variable: 'ORDO_LOG_ORIGIN', message: `this database's log is ${origin}, not ${config.origin}: unset ORDO_LOG_ORIGIN, or set it to ${origin} (a log never changes its origin)` };
  }
  const verifier = await noteVerifier(suite, verifierKeyOf(suite, await noteSigner(suite, origin, logKey)));
  if (!(await openCheckpoint(suite, head.note, [verifier], origin)).ok) {
    return { variable: 'ORDO_LOG_KEY', message: `not the key that signed this database's log (${origin}): set ORDO_LOG_KEY back to that key, or unset it if the log key was derived from the token key` };
  }
  return { origin, existing: true };
}
