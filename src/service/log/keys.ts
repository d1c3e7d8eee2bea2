/** The log's note key as the service uses it: a signer, and the verifier key it publishes. */
import type { Deps } from '../../deps.js';
import { noteSigner, verifierKeyOf, type NoteSigner } from '../../log/note.js';

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
