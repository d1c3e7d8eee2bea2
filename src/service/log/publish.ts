/**
 * What follows a new checkpoint, beside the writes like integration itself: an RFC 3161 token
 * over its text from the configured TSA, and a cosignature from each configured witness (C2SP
 * tlog-witness: Ordo sends `add-checkpoint` with a consistency proof from the size the witness
 * last cosigned). A TSA or witness that fails is logged and asked again with the next checkpoint;
 * nothing it answers is kept unless it verifies.
 */
import type { Deps } from '../../deps.js';
import { cosignatureVerifier, verifyCosignature } from '../../log/cosignature.js';
import { consistencyProof } from '../../log/merkle.js';
import { requestTimestamp, verifyTimestamp } from '../../log/timestamp.js';
import { tileReader } from '../../log/tiles.js';
import { ADD_CHECKPOINT_PATH, formatAddCheckpoint, parseSizeConflict, WITNESS_STATUS } from '../../log/witness-protocol.js';
import type { StoredCheckpoint } from '../../store/types.js';
import { hasherOf, storedTiles } from './integrate.js';

/** The checkpoint's text: its note up to the blank line that ends it (what Ordo signed, what a TSA stamps). */
export const checkpointText = (note: string) => note.slice(0, note.lastIndexOf('\n\n') + 1);

const TIMEOUT_MS = 10_000;
const oneLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');

export type Publisher = { fetch?: typeof fetch };
type WitnessConfig = Deps['config']['log']['witnesses'][number];

/** Timestamps the checkpoint (if a TSA is configured) and asks every witness to cosign it. */
export async function publish(deps: Deps, c: StoredCheckpoint, p: Publisher = {}): Promise<void> {
  const { tsa, witnesses } = deps.config.log;
  await Promise.all([
    tsa && !c.timestamp ? stamp(deps, c, tsa, p) : undefined,
    ...witnesses.filter((w) => !c.cosignatures.some((s) => s.witness === w.name)).map((w) => askWitness(deps, c, w, p)),
  ]);
}

async function stamp(deps: Deps, c: StoredCheckpoint, tsa: NonNullable<Deps['config']['log']['tsa']>, p: Publisher) {
  const message = new TextEncoder().encode(checkpointText(c.note));
  try {
    const token = await requestTimestamp(tsa.url, message, { fetch: p.fetch, timeoutMs: TIMEOUT_MS });
    if (tsa.certs.length) {
      const v = await verifyTimestamp(token, message, tsa.certs);
      if (!v.ok) throw new Error(`its token does not verify against ORDO_LOG_TSA_CERT: ${v.reason}`);
    }
    await deps.store.log.setTimestamp(c.size, token);
  } catch (err) {
    deps.log({ level: 'error', msg: 'log checkpoint not timestamped', size: c.size, message: oneLine(err) });
  }
}

async function askWitness(deps: Deps, c: StoredCheckpoint, w: WitnessConfig, p: Publisher) {
  const doFetch = p.fetch ?? globalThis.fetch;
  const text = checkpointText(c.note);
  try {
    const verifier = await cosignatureVerifier(deps.crypto, w.vkey);
    let old = await deps.store.log.witnessed(w.name);
    // A witness that knows another size says so (409): asked once more from that size.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (old > c.size) throw new Error(`it has cosigned size ${old}, beyond ${c.size}`);
      const proof = old === 0 || old === c.size ? [] : await consistencyProof(hasherOf(deps), old, c.size, tileReader(hasherOf(deps), c.size, storedTiles(deps.store.log, c.size)));
      const res = await doFetch(`${w.url}${ADD_CHECKPOINT_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: formatAddCheckpoint({ oldSize: old, proof, checkpoint: c.note }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const body = await res.text();
      if (res.status === WITNESS_STATUS.conflict && attempt === 0) {
        const size = parseSizeConflict(body);
        if (size === undefined) throw new Error('it answered 409 without its size');
        old = size;
        continue;
      }
      if (res.status !== 200) throw new Error(`it answered HTTP ${res.status}: ${body.slice(0, 200)}`);
      const line = body.split('\n').find((l) => l.startsWith(`— ${w.name} `));
      const v = line ? await verifyCosignature(deps.crypto, verifier, text, `${line}\n`) : { ok: false as const, reason: 'no line of this witness' };
      if (!v.ok) throw new Error(`its cosignature does not verify (${v.reason})`);
      await deps.store.log.addCosignature(c.size, w.name, `${line}\n`);
      return;
    }
  } catch (err) {
    deps.log({ level: 'error', msg: 'log checkpoint not cosigned', witness: w.name, size: c.size, message: oneLine(err) });
  }
}
