/**
 * The full trace of a prescription as the code holder sees it: every event with its proof
 * opened (signed documents unsealed, request tokens as they were), its receipt and its seq.
 */
import { open } from '../crypto/seal.js';
import { parseCompactJws } from '../crypto/jws.js';
import { withRecord, type DispenseLine, type Dispensing } from '../domain/accounting.js';
import { OrdoError } from '../domain/errors.js';
import { sealedDocOf, type EventActor } from '../domain/events.js';
import type { TraceEvent as VerifiableEvent } from '../domain/verify-trace.js';
import type { Deps } from '../deps.js';
import type { EventRow, PrescriptionRow } from '../store/types.js';

/**
 * An event of the trace as the code holder gets it: as the verifier takes it, with its `seq`, and
 * its `leafIndex` in the transparency log once it is integrated.
 * `unreadable`: its sealed proof did not open (damaged storage); `proof` is then null, and the
 * verifier names this event (its proofHash no longer matches).
 */
export type TraceEvent = VerifiableEvent & { seq: number; leafIndex?: number; unreadable?: true };

/** A damaged actor column is passed on as it is, for the verifier to expose, rather than breaking the read. */
function parseActor(text: string): EventActor {
  try {
    return JSON.parse(text) as EventActor;
  } catch {
    return text as EventActor;
  }
}

/** Opens one sealed record, or null when it does not open where it is stored (moved, damaged, other key). */
async function openAt(deps: Deps, key: Uint8Array, row: PrescriptionRow, jwe: string, idx: number, doc: 'rx' | 'dispense' | 'cancel'): Promise<string | null> {
  return open(deps.crypto, key, jwe, { kid: row.tokenKeyId, rx: row.id, idx, doc }).catch(() => null);
}

/** The `cancelled` event gets `body`: the request body as signed, when the sealed cancel record is one. */
export async function openTrace(deps: Deps, row: PrescriptionRow, key: Uint8Array, events?: EventRow[]): Promise<TraceEvent[]> {
  const rows = events ?? (await deps.store.getEvents(row.id));
  // Every event with seq ≤ the log's size is its leaf seq − 1 (design § Transparency log).
  const [cancel, logSize] = await Promise.all([openCancelRecord(deps, row, key, rows), deps.store.log.size()]);
  const cancelBody = cancel?.body;
  return Promise.all(
    rows.map(async (e) => {
      const doc = sealedDocOf(e.type);
      const proof = doc && e.proof ? await openAt(deps, key, row, e.proof, e.idx, doc) : e.proof;
      return {
        prescriptionId: e.prescriptionId, index: e.idx, seq: e.seq, type: e.type, at: e.at, actor: parseActor(e.actor),
        claim: e.claim, proof, proofHash: e.proofHash, prevHash: e.prevHash, hash: e.hash, receipt: e.receipt,
        ...(e.seq <= logSize && { leafIndex: e.seq - 1 }),
        ...(e.type === 'cancelled' && cancelBody !== undefined && { body: cancelBody }),
        ...(proof === null && e.proof !== null && { unreadable: true as const }),
      };
    }),
  );
}

/**
 * What the sealed cancel record says. Since cancel bodies carry a salt, the record is the request
 * body as signed (`{ reason, salt }`, its SHA-256 the token's `bdh`): a JSON object with a string
 * `reason`. Before, it was the reason alone: any other text is that reason, so old databases
 * keep answering theirs.
 */
function cancelRecordOf(text: string): { reason: string; body?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return { reason: text };
  }
  const reason = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { reason?: unknown }).reason : undefined;
  // Trimmed as the schema trimmed it when the reason was validated.
  return typeof reason === 'string' ? { reason: reason.trim(), body: text } : { reason: text };
}

/** The cancel record, opened (see cancelRecordOf); null when there is none or it does not open. */
async function openCancelRecord(deps: Deps, row: PrescriptionRow, key: Uint8Array, events: EventRow[]) {
  if (!row.cancelReason) return null;
  const idx = events.find((e) => e.type === 'cancelled')?.idx;
  if (idx === undefined) return null;
  const text = await openAt(deps, key, row, row.cancelReason, idx, 'cancel');
  return text === null ? null : cancelRecordOf(text);
}

/** The cancel reason, opened; null when there is none or it does not open. */
export async function openCancelReason(deps: Deps, row: PrescriptionRow, key: Uint8Array, events: EventRow[]): Promise<string | null> {
  return (await openCancelRecord(deps, row, key, events))?.reason ?? null;
}

/** The receipt of the latest event of a type (for a claim, if given): what an idempotent step answers again. */
export function lastReceipt(events: EventRow[], type: EventRow['type'], claim?: string | null): string | undefined {
  return events.findLast((e) => e.type === type && (claim === undefined || e.claim === claim))?.receipt;
}

/**
 * The record in force of each claim that dispensed, in the order of the dispenses, from the
 * trace (each dispensing record opened): what a correction is judged and recounted on. 409
 * `record_unreadable` when one does not open.
 */
export async function recordsInForce(deps: Deps, row: PrescriptionRow, key: Uint8Array, events: EventRow[]): Promise<Dispensing[]> {
  let records: Dispensing[] = [];
  for (const e of events) {
    if (e.type !== 'dispensed' && e.type !== 'dispense_corrected') continue;
    const jws = e.proof && (await openAt(deps, key, row, e.proof, e.idx, 'dispense'));
    const parsed = jws ? parseCompactJws(jws, 'ordo-dispense+jwt') : null;
    if (!parsed || typeof parsed === 'string' || !Array.isArray(parsed.payload.lines)) {
      deps.log({ level: 'error', msg: 'sealed record does not open', event: e.idx });
      throw new OrdoError('record_unreadable', `A dispensing record of this prescription (event ${e.idx}) cannot be opened: nothing can be recounted. Tell an operator.`);
    }
    const pharmacy = parseActor(e.actor);
    records = withRecord(records, {
      claim: e.claim ?? '', pharmacy: pharmacy === 'ordo' ? '' : pharmacy.id, at: Date.parse(e.at), index: e.idx, lines: parsed.payload.lines as DispenseLine[],
    });
  }
  return records;
}
