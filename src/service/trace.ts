/**
 * The full trace of a prescription as the code holder sees it: every event with its proof
 * opened (signed documents unsealed, request tokens as they were), its receipt and its seq.
 */
import { open } from '../crypto/seal.js';
import { sealedDocOf, type EventActor } from '../domain/events.js';
import type { TraceEvent as VerifiableEvent } from '../domain/verify-trace.js';
import type { Deps } from '../deps.js';
import type { EventRow, PrescriptionRow } from '../store/types.js';

/**
 * An event of the trace as the code holder gets it: as the verifier takes it, with its `seq`.
 * `unreadable`: its sealed proof did not open (damaged storage); `proof` is then null, and the
 * verifier names this event (its proofHash no longer matches).
 */
export type TraceEvent = VerifiableEvent & { seq: number; unreadable?: true };

/** A damaged actor column is passed on as it is, for the verifier to expose, rather than breaking the read. */
function parseActor(text: string): EventActor {
  try {
    return JSON.parse(text) as EventActor;
  } catch {
    return text as EventActor;
  }
}

/** Opens one sealed record, or null when it does not open where it is stored (moved, damaged, other key). */
async function openAt(key: Uint8Array, row: PrescriptionRow, jwe: string, idx: number, doc: 'rx' | 'dispense' | 'cancel'): Promise<string | null> {
  return open(key, jwe, { kid: row.tokenKeyId, rx: row.id, idx, doc }).catch(() => null);
}

export async function openTrace(deps: Deps, row: PrescriptionRow, key: Uint8Array, events?: EventRow[]): Promise<TraceEvent[]> {
  const rows = events ?? (await deps.store.getEvents(row.id));
  return Promise.all(
    rows.map(async (e) => {
      const doc = sealedDocOf(e.type);
      const proof = doc && e.proof ? await openAt(key, row, e.proof, e.idx, doc) : e.proof;
      return {
        prescriptionId: e.prescriptionId, index: e.idx, seq: e.seq, type: e.type, at: e.at, actor: parseActor(e.actor),
        claim: e.claim, proof, proofHash: e.proofHash, prevHash: e.prevHash, hash: e.hash, receipt: e.receipt,
        ...(proof === null && e.proof !== null && { unreadable: true as const }),
      };
    }),
  );
}

/** The cancel reason, opened; null when there is none or it does not open. */
export async function openCancelReason(row: PrescriptionRow, key: Uint8Array, events: EventRow[]): Promise<string | null> {
  if (!row.cancelReason) return null;
  const idx = events.find((e) => e.type === 'cancelled')?.idx;
  if (idx === undefined) return null;
  return openAt(key, row, row.cancelReason, idx, 'cancel');
}

/** The receipt of the latest event of a type (for a claim, if given): what an idempotent step answers again. */
export function lastReceipt(events: EventRow[], type: EventRow['type'], claim?: string | null): string | undefined {
  return events.findLast((e) => e.type === type && (claim === undefined || e.claim === claim))?.receipt;
}
