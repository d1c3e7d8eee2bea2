/**
 * The evidence bundle: everything needed to verify a prescription's trace years later with no
 * network — events with proofs and receipts, the directory records of every signer, Ordo's JWKS,
 * and the revocation lists of the CAs that certified a signer's key. The chains themselves are
 * checked against trust anchors by client/certified.ts, which the pages do not bundle.
 */
import { decodeJwt, type JWK } from 'jose';
import { compareReceipts, verifyTrace, type CertificateCheck, type DirectoryRecord, type TraceEvent, type TraceResult } from '../domain/verify-trace.js';
import { encodeBase64 } from '../log/note.js';
import type { DirectoryEntry, OrdoClient } from './client.js';
import { OrdoProblemError } from './errors.js';
import { exportLogEvidence, verifyLogEvidence, type LogCheck, type LogEvidence } from './log-evidence.js';

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
  /** The transparency log's proofs of the events already in it (client/log-evidence.ts); absent when none was. */
  log?: LogEvidence;
  /** The revocation lists Ordo kept at export for the CAs in the `cas` of the signers' certified keys (base64 DER); absent when none. */
  crls?: string[];
};

/** The trace's verdict, then the log's: a failure of either, or both passed. */
export type BundleResult = (TraceResult & { ok: false }) | Extract<LogCheck, { ok: false }> | { ok: true; events: number; log: Extract<LogCheck, { ok: true }> };
/**
 * What the verifier trusts beyond the bundle: the log's key and TSA certificates (default: those
 * the bundle carries), and the check of certified keys' chains against its trust anchors.
 */
export type Trust = { key?: string; tsa?: string[]; certificates?: CertificateCheck };

export async function exportTrace(client: OrdoClient, code: string): Promise<TraceBundle> {
  const look = await client.lookup(code);
  const ids = [...new Set(look.events.flatMap((e) => (e.actor === 'ordo' ? [] : [e.actor.id])))];
  const records = Promise.all(ids.map((id) => client.directory(id)));
  const [directory, crls, ordoJwks, log] = await Promise.all([records, records.then((d) => keptCrls(client, d)), client.jwks(), exportLogEvidence(client, look.events)]);
  return {
    format: BUNDLE_FORMAT,
    issuer: client.issuer,
    prescriptionId: look.prescription.id,
    exportedAt: new Date().toISOString(),
    status: look.status,
    events: look.events.map(({ seq: _seq, ...e }) => e),
    directory,
    ordoJwks,
    ...(log && { log }),
    ...(crls.length && { crls }),
  };
}

/** The CRL Ordo keeps for each CA that certified a key of these records, once each; a CA without one is left out (404). */
async function keptCrls(client: OrdoClient, directory: DirectoryEntry[]): Promise<string[]> {
  const cas = [...new Set(directory.flatMap((d) => d.keys.flatMap((k) => (k.x5c ? (k.cas ?? []) : []))))];
  const ders = await Promise.all(cas.map((ca) => client.crl(ca).catch((err: unknown) => {
    if (err instanceof OrdoProblemError && err.problem.status === 404) return null;
    throw err;
  })));
  return ders.filter((der) => der !== null).map(encodeBase64);
}

/** Reads a bundle from JSON text, refusing anything that is not one. */
export function parseBundle(text: string): TraceBundle {
  const b = JSON.parse(text) as TraceBundle;
  const logOk = b?.log === undefined || (typeof b.log?.key === 'string' && Array.isArray(b.log.proofs) && b.log.proofs.every((p) => Number.isInteger(p?.event) && typeof p.tlogProof === 'string'));
  const crlsOk = b?.crls === undefined || (Array.isArray(b.crls) && b.crls.every((c) => typeof c === 'string'));
  if (b?.format !== BUNDLE_FORMAT || !Array.isArray(b.events) || !Array.isArray(b.directory) || !Array.isArray(b.ordoJwks?.keys) || !logOk || !crlsOk) {
    throw new Error(`not an Ordo evidence bundle (expected format ${BUNDLE_FORMAT})`);
  }
  return b;
}

/**
 * Verifies the whole trace, then the receipts the caller kept against it. `certificates` checks
 * the chains of certified keys (client/certified.ts builds one from trust anchors); without it,
 * an event signed by a certified key fails `certificate`.
 */
export async function verifyBundle(b: TraceBundle, kept: string[] = [], certificates?: CertificateCheck): Promise<TraceResult> {
  const r = await verifyTrace({ prescriptionId: b.prescriptionId, events: b.events, directory: b.directory, ordoJwks: b.ordoJwks, issuer: b.issuer, certificates });
  if (!r.ok || kept.length === 0) return r;
  return compareReceipts(kept, b.events, b.ordoJwks, b.issuer);
}

/**
 * The certificate check of one who takes Ordo's word: its directory, fetched just now, lists a
 * certified key only once its chain was validated at enrolment, and marks it revoked by the CRLs
 * loaded since. For the pages, which verify a live trace; a bundle read later needs the anchors.
 */
export const directoryVouches: CertificateCheck = async () => null;

/** verifyBundle, then the events' place in the transparency log (what `ordo verify` checks). */
export async function verifyEvidence(b: TraceBundle, kept: string[] = [], trust: Trust = {}): Promise<BundleResult> {
  const r = await verifyBundle(b, kept, trust.certificates);
  if (!r.ok) return r;
  const log = await verifyLogEvidence(b.events as (TraceEvent & { leafIndex?: number })[], b.log, trust);
  return log.ok ? { ok: true, events: r.events, log } : log;
}

export type TimelineLine = { item: number; label: string; unit: string; quantity: number; reason: string | null };
export type TimelineEntry = {
  index: number;
  at: string;
  type: TraceEvent['type'];
  claim: string | null;
  /** `null` for Ordo's own events. */
  who: { id: string; kind: 'prescriber' | 'pharmacy'; name: string | null } | null;
  /** What was prescribed (`issued`) or handed over (`dispensed`, or as corrected: `dispense_corrected`); empty otherwise. */
  lines: TimelineLine[];
  /** On a `dispense_corrected`: the index of the event whose record it replaces. */
  corrects?: number;
  /** On a `dispensed` or `dispense_corrected` whose record was replaced: the index of the correction that replaced it. */
  correctedBy?: number;
};

/** The trace as entries a person reads: when, who, what (with quantities for deliveries). */
export function timelineEntries(b: Pick<TraceBundle, 'events' | 'directory'>): TimelineEntry[] {
  const nameOf = (id: string) => b.directory.find((d) => d.id === id)?.name ?? null;
  let items: { label?: string; unit?: string; quantity?: number }[] = [];
  const line = (item: number, quantity: number, reason: string | null = null): TimelineLine => ({
    item, quantity, reason, label: items[item]?.label ?? `item ${item}`, unit: items[item]?.unit ?? '',
  });
  const entries = b.events.map((e): TimelineEntry => {
    let lines: TimelineLine[] = [];
    let corrects: number | undefined;
    if (e.type === 'issued' && e.proof) {
      items = (decodeJwt(e.proof) as { items?: typeof items }).items ?? [];
      lines = items.map((i, n) => line(n, i.quantity ?? 0));
    } else if ((e.type === 'dispensed' || e.type === 'dispense_corrected') && e.proof) {
      const rec = decodeJwt(e.proof) as { lines?: { item: number; quantity: number; reason?: string | null }[]; corrects?: unknown };
      lines = (rec.lines ?? []).map((l) => line(l.item, l.quantity, l.reason ?? null));
      if (e.type === 'dispense_corrected' && Number.isInteger(rec.corrects)) corrects = rec.corrects as number;
    }
    const who = e.actor === 'ordo' ? null : { id: e.actor.id, kind: e.actor.kind, name: nameOf(e.actor.id) };
    return { index: e.index, at: e.at, type: e.type, claim: e.claim, who, lines, ...(corrects !== undefined && { corrects }) };
  });
  // The replaced entry learns which correction replaced it, so a page can mark it corrected.
  for (const c of entries) {
    const replaced = c.corrects === undefined ? undefined : entries.find((x) => x.index === c.corrects && x.claim === c.claim);
    if (replaced) replaced.correctedBy = c.index;
  }
  return entries;
}

/** A readable timeline, one line an event (the CLI's `ordo trace`). */
export function timeline(b: TraceBundle): string[] {
  return timelineEntries(b).map((e) => {
    const who = e.who ? `${e.who.name ?? e.who.id} (${e.who.kind} ${e.who.id})` : 'Ordo';
    let what: string = e.type;
    if (e.type === 'issued') what = `issued: ${e.lines.map((l) => `${l.label} × ${l.quantity} ${l.unit}`).join('; ')}`;
    const handedOver = () => e.lines.map((l) => `${l.quantity} ${l.unit} of ${l.label}${l.reason ? ` (${l.reason})` : ''}`).join('; ');
    if (e.type === 'dispensed') what = `dispensed: ${handedOver()}`;
    if (e.type === 'dispense_corrected') what = `corrected #${e.corrects ?? '?'}: ${handedOver()}`;
    if (e.correctedBy !== undefined) what += ` (corrected by #${e.correctedBy})`;
    return `${e.at}  #${e.index}  ${who}  ${what}`;
  });
}
