/**
 * The evidence bundle: everything needed to verify a prescription's trace years later with no
 * network — events with proofs and receipts, the directory records of every signer, Ordo's JWKS.
 */
import { decodeJwt, type JWK } from 'jose';
import { compareReceipts, verifyTrace, type DirectoryRecord, type TraceEvent, type TraceResult } from '../domain/verify-trace.js';
import type { DirectoryEntry, OrdoClient } from './client.js';

export const BUNDLE_FORMAT = 'ordo-trace/1';

export type TraceBundle = {
  format: typeof BUNDLE_FORMAT;
  issuer: string;
  prescriptionId: string;
  exportedAt: string;
  status: string;
  events: TraceEvent[];
  directory: (DirectoryRecord & Partial<DirectoryEntry>)[];
  ordoJwks: { keys: JWK[] };
};

export async function exportTrace(client: OrdoClient, code: string): Promise<TraceBundle> {
  const look = await client.lookup(code);
  const ids = [...new Set(look.events.flatMap((e) => (e.actor === 'ordo' ? [] : [e.actor.id])))];
  const [directory, ordoJwks] = await Promise.all([Promise.all(ids.map((id) => client.directory(id))), client.jwks()]);
  return {
    format: BUNDLE_FORMAT,
    issuer: client.issuer,
    prescriptionId: look.prescription.id,
    exportedAt: new Date().toISOString(),
    status: look.status,
    events: look.events.map(({ seq: _seq, ...e }) => e),
    directory,
    ordoJwks,
  };
}

/** Reads a bundle from JSON text, refusing anything that is not one. */
export function parseBundle(text: string): TraceBundle {
  const b = JSON.parse(text) as TraceBundle;
  if (b?.format !== BUNDLE_FORMAT || !Array.isArray(b.events) || !Array.isArray(b.directory) || !Array.isArray(b.ordoJwks?.keys)) {
    throw new Error(`not an Ordo evidence bundle (expected format ${BUNDLE_FORMAT})`);
  }
  return b;
}

/** Verifies the whole trace, then the receipts the caller kept against it. */
export async function verifyBundle(b: TraceBundle, kept: string[] = []): Promise<TraceResult> {
  const r = await verifyTrace({ prescriptionId: b.prescriptionId, events: b.events, directory: b.directory, ordoJwks: b.ordoJwks, issuer: b.issuer });
  if (!r.ok || kept.length === 0) return r;
  return compareReceipts(kept, b.events, b.ordoJwks, b.issuer);
}

/** A readable timeline: when, who, what (with quantities for deliveries). */
export function timeline(b: TraceBundle): string[] {
  const name = (id: string) => b.directory.find((d) => d.id === id)?.name ?? id;
  let items: { label?: string; unit?: string }[] = [];
  return b.events.map((e) => {
    const who = e.actor === 'ordo' ? 'Ordo' : `${name(e.actor.id)} (${e.actor.kind} ${e.actor.id})`;
    let what: string = e.type;
    if (e.type === 'issued' && e.proof) {
      const doc = decodeJwt(e.proof) as { items?: { label?: string; unit?: string; quantity?: number }[] };
      items = doc.items ?? [];
      what = `issued: ${items.map((i) => `${i.label} × ${(i as { quantity?: number }).quantity} ${i.unit}`).join('; ')}`;
    } else if (e.type === 'dispensed' && e.proof) {
      const rec = decodeJwt(e.proof) as { lines?: { item: number; quantity: number; reason?: string | null }[] };
      what = `dispensed: ${(rec.lines ?? []).map((l) => `${l.quantity} ${items[l.item]?.unit ?? ''} of ${items[l.item]?.label ?? `item ${l.item}`}${l.reason ? ` (${l.reason})` : ''}`).join('; ')}`;
    }
    return `${e.at}  #${e.index}  ${who}  ${what}`;
  });
}
