/**
 * Cancel: always wins, for patient safety — it ends any claim, and the claimant's next call is
 * refused with the reason. The reason is stored sealed. Cancelling again answers the same.
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

export async function cancelPrescription(deps: Deps, caller: Caller, id: string, reason: string) {
  return withRetry(async () => {
    const row = await expireIfDue(deps, await ownPrescription(deps, caller, id));
    if (row.status === 'cancelled') {
      await recordToken(deps, caller.use);
      return { status: row.status, receipt: lastReceipt(await deps.store.getEvents(row.id), 'cancelled')! };
    }
    const sealedReason = await seal(await contentKeyOf(deps, row), reason, { kid: deps.keys.tokenKey.id, rx: row.id, idx: nextIndex(row), doc: 'cancel' });
    const r = await applyStep(deps, row, { type: 'cancel', prescriber: actorOf(caller) }, { caller, set: { cancelReason: sealedReason } });
    return { status: r.row.status, receipt: r.recorded[0]!.receipt };
  });
}
