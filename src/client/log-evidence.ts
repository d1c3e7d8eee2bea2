/**
 * The transparency log's part of an evidence bundle: for every event already in the log, a C2SP
 * tlog-proof (its inclusion proof, and the checkpoint it leads to), the log's note key, and the
 * checkpoint's RFC 3161 token when Ordo has one. Checked offline: the checkpoint is signed by
 * the log's key, each event's leaf (SHA-256(0x00 ‖ its hash)) is at its index under the
 * checkpoint's root, and the token (if any) stamps the checkpoint's text: the events existed
 * no later than its time.
 */
import { webSuite } from '../crypto/suite/web.js';
import { decodeBase64url } from '../lib/base64url.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { leafHash, verifyInclusion } from '../log/merkle.js';
import { decodeBase64, noteVerifier, parseVerifierKey } from '../log/note.js';
import { checkpointNoteSize, formatTlogProof, parseTlogProof } from '../log/proof-format.js';
import { verifyTimestamp } from '../log/timestamp.js';
import type { OrdoClient } from './client.js';

export type LogEvidence = {
  /** The log's verifier key (C2SP vkey) as Ordo published it at export: compare it with one you trust (`--log-key`). */
  key: string;
  /** The checkpoint the proofs lead to: its size, and its RFC 3161 token (base64) when there is one. */
  size: number;
  timestamp?: string;
  /** The TSA certificates Ordo published (PEM), which the token was checked against at export. */
  tsaCertificates?: string[];
  /** One per event in the log: the event's index in the trace, and its C2SP tlog-proof. */
  proofs: { event: number; tlogProof: string }[];
};

type LoggedEvent = { index: number; hash: string; leafIndex?: number };

/** What the log holds of these events, fetched from Ordo; undefined when none is in the log yet. */
export async function exportLogEvidence(client: OrdoClient, events: LoggedEvent[]): Promise<LogEvidence | undefined> {
  const logged = events.filter((e) => e.leafIndex !== undefined);
  if (!logged.length) return undefined;
  const [key, note] = await Promise.all([client.logKey(), client.logCheckpoint()]);
  const size = checkpointNoteSize(note);
  if (size === undefined) throw new Error('the log answered a checkpoint that does not parse');
  const [record, ...proofs] = await Promise.all([client.logCheckpointRecord(size), ...logged.map((e) => client.inclusionProof(e.leafIndex!, size))]);
  return {
    key, size, ...(record.timestamp && { timestamp: record.timestamp }), ...(record.tsaCertificates && { tsaCertificates: [record.tsaCertificates.join('\n')] }),
    proofs: logged.map((e, i) => ({ event: e.index, tlogProof: formatTlogProof({ index: e.leafIndex!, proof: proofs[i]!.proof.map((p) => decodeBase64(p)!), checkpoint: note }) })),
  };
}

export type LogCheck = { ok: true; included: number; pending: number; size?: number; existedBy?: string } | { ok: false; index: number | null; check: 'log'; message: string };

/**
 * Checks the evidence against the events. `trust.key`: the log key to trust (default: the one in
 * the evidence); `trust.tsa`: TSA certificates to trust (default: those in the evidence).
 */
export async function verifyLogEvidence(events: LoggedEvent[], log: LogEvidence | undefined, trust: { key?: string; tsa?: string[] } = {}): Promise<LogCheck> {
  const fail = (index: number | null, message: string): LogCheck => ({ ok: false, index, check: 'log', message });
  const pending = () => events.filter((e) => !log?.proofs.some((p) => p.event === e.index)).length;
  if (!log) return trust.key ? fail(null, 'the bundle holds no log proof, and a log key was given') : { ok: true, included: 0, pending: pending() };
  const vkey = trust.key ?? log.key;
  if (!parseVerifierKey(webSuite, vkey).ok) return fail(null, `not a log verifier key: ${vkey}`);
  const verifier = await noteVerifier(webSuite, vkey);
  const h = (d: Uint8Array) => webSuite.sha256(d);
  let note: string | undefined;
  for (const p of log.proofs) {
    const e = events.find((x) => x.index === p.event);
    if (!e) return fail(p.event, 'a log proof names an event the trace does not have');
    const parsed = parseTlogProof(p.tlogProof);
    if (!parsed.ok) return fail(e.index, `its tlog-proof does not parse (${parsed.reason})`);
    const opened = await openCheckpoint(webSuite, parsed.proof.checkpoint, [verifier], verifier.name);
    if (!opened.ok) return fail(e.index, `its checkpoint is not signed by the log key ${verifier.name} (${opened.reason})`);
    if (e.leafIndex !== undefined && e.leafIndex !== parsed.proof.index) return fail(e.index, `its leaf is ${parsed.proof.index}, not ${e.leafIndex}`);
    const { size, root } = opened.checkpoint;
    if (!verifyInclusion(h, parsed.proof.index, size, leafHash(h, decodeBase64url(e.hash)), [...parsed.proof.proof], root)) {
      return fail(e.index, `it is not in the log: its inclusion proof at leaf ${parsed.proof.index} does not lead to the root of size ${size}`);
    }
    note ??= parsed.proof.checkpoint;
  }
  if (!log.timestamp || !note) return { ok: true, included: log.proofs.length, pending: pending(), size: log.size };
  const text = new TextEncoder().encode(note.slice(0, note.lastIndexOf('\n\n') + 1));
  const token = decodeBase64(log.timestamp);
  const v = token ? await verifyTimestamp(token, text, trust.tsa ?? log.tsaCertificates ?? []) : { ok: false as const, reason: 'not base64' };
  if (!v.ok) return fail(null, `the checkpoint's RFC 3161 timestamp does not verify: ${v.reason}`);
  return { ok: true, included: log.proofs.length, pending: pending(), size: log.size, existedBy: v.genTime.toISOString() };
}
