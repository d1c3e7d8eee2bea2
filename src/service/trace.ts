/**
 * The full trace of a prescription as the code holder sees it: every event with its proof
 * opened (signed documents unsealed, request tokens as they were), its receipt and its seq.
 */
import { open } from '../crypto/seal.js';
import type { EventActor } from '../domain/events.js';
import type { TraceEvent as VerifiableEvent } from '../domain/verify-trace.js';
import type { Deps } from '../deps.js';
import type { EventRow, PrescriptionRow } from '../store/types.js';

/** An event of the trace as the code holder gets it: as the verifier takes it, with its `seq`. */
export type TraceEvent = VerifiableEvent & { seq: number };

/** A damaged actor column is passed on as it is, for the verifier to expose, rather than breaking the read. */
function parseActor(text: string): EventActor {
  try {
    return JSON.parse(text) as EventActor;
  } catch {
    return text as EventActor;
  }
}

const sealedKind = (type: EventRow['type']) => (type === 'issued' ? 'rx' : type === 'dispensed' ? 'dispense' : null);

export async function openTrace(deps: Deps, row: PrescriptionRow, key: Uint8Array, events?: EventRow[]): Promise<TraceEvent[]> {
  const kid = row.tokenKeyId;
  const rows = events ?? (await deps.store.getEvents(row.id));
  return Promise.all(
    rows.map(async (e) => {
      const doc = sealedKind(e.type);
      // A sealed proof that does not open (damaged storage) is shown as missing: the chain's
      // proofHash then exposes it, instead of the whole trace becoming unreadable.
      const proof = doc && e.proof ? await open(key, e.proof, { kid, rx: row.id, idx: e.idx, doc }).catch(() => null) : e.proof;
      return {
        prescriptionId: e.prescriptionId, index: e.idx, seq: e.seq, type: e.type, at: e.at, actor: parseActor(e.actor),
        claim: e.claim, proof, proofHash: e.proofHash, prevHash: e.prevHash, hash: e.hash, receipt: e.receipt,
      };
    }),
  );
}

/** The cancel reason, opened, or null. */
export async function openCancelReason(row: PrescriptionRow, key: Uint8Array, events: EventRow[]): Promise<string | null> {
  if (!row.cancelReason) return null;
  const idx = events.find((e) => e.type === 'cancelled')?.idx;
  if (idx === undefined) return null;
  return open(key, row.cancelReason, { kid: row.tokenKeyId, rx: row.id, idx, doc: 'cancel' });
}
