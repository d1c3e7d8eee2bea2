/**
 * What the code holder (the patient, or anyone shown the code) sees: the prescription opened,
 * its state, what remains, the cancel reason and the whole trace with proofs, to verify offline.
 * A sealed record that does not open is answered as such (`unreadable`), never as a failure.
 */
import { renderDataMatrix } from '../barcode/datamatrix.js';
import { contentKey } from '../crypto/seal.js';
import type { Deps } from '../deps.js';
import { openedPrescription } from './answers.js';
import { codeView, idBytes, resolveCode } from './code-access.js';
import { accountOf } from './state.js';
import { expireIfDue } from './step.js';
import { openCancelReason, openTrace } from './trace.js';

export async function lookup(deps: Deps, code: string, clientAddress: string) {
  const { row: found, v } = await resolveCode(deps, code, { address: clientAddress });
  const row = await expireIfDue(deps, found);
  const key = await contentKey(deps.crypto, v, idBytes(row.id));
  const rows = await deps.store.getEvents(row.id);
  const events = await openTrace(deps, row, key, rows);
  if (events.some((e) => e.unreadable)) deps.log({ level: 'error', msg: 'sealed record does not open', event: events.find((e) => e.unreadable)!.index });
  return {
    prescription: await openedPrescription(deps, row, events[0]?.proof ?? null),
    status: row.status,
    ...(await accountOf(deps, row)),
    cancelReason: await openCancelReason(deps, row, key, rows),
    events,
  };
}

/** The DataMatrix of the current code, whatever form the code was given in. */
export async function dataMatrixOf(deps: Deps, code: string, format: 'svg' | 'png', clientAddress: string) {
  const { row } = await resolveCode(deps, code, { address: clientAddress });
  return renderDataMatrix((await codeView(deps, row)).payload, format);
}
