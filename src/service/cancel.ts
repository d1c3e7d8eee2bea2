/**
 * Cancel: always wins, for patient safety — it ends any claim, and the claimant's next call is
 * refused with the reason. What is stored sealed is the request body exactly as it was signed
 * (`{ reason, salt }`): the code holder reads the reason from it and checks it against the
 * request token's `bdh`, while that token, stored in clear, reveals nothing (the salt).
 * Cancelling again answers the same.
 */
import { seal } from '../crypto/seal.js';
import type { Deps } from '../deps.js';
import { actorOf, type Caller } from './caller.js';
import { contentKeyOf } from './code-access.js';
import { nextIndex, withRetry } from './commit.js';
import { ownPrescription } from './state.js';
import { applyStep, expireIfDue } from './step.js';
import { recordToken } from './tokens.js';
import { lastReceipt } from './trace.js';

/** `signedBody`: the raw request body, validated by the route and hashed into the request token's `bdh`. */
export async function cancelPrescription(deps: Deps, caller: Caller, id: string, signedBody: Uint8Array) {
  // Decoded as it was hashed: valid UTF-8 (checked on reading), a byte-order mark kept, so its SHA-256 is still the bdh.
  const body = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(signedBody);
  return withRetry(async () => {
    const row = await expireIfDue(deps, await ownPrescription(deps, caller, id));
    if (row.status === 'cancelled') {
      await recordToken(deps, caller.use);
      return { status: row.status, receipt: lastReceipt(await deps.store.getEvents(row.id), 'cancelled')! };
    }
    const sealedBody = await seal(deps.crypto, await contentKeyOf(deps, row), body, { kid: deps.keys.tokenKey.id, rx: row.id, idx: nextIndex(row), doc: 'cancel' });
    const r = await applyStep(deps, row, { type: 'cancel', prescriber: actorOf(caller) }, { caller, set: { cancelReason: sealedBody } });
    return { status: r.row.status, receipt: r.recorded[0]!.receipt };
  });
}
