/**
 * The witness's decision (src/log/witness.ts), one request at a time, for every status C2SP
 * tlog-witness gives add-checkpoint (200, 400, 403, 404, 409, 422), in the spec's order, and the
 * fork it must never cosign: the same size with another root, or a larger tree of another history.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeSuite as suite } from '../../src/node/crypto-suite.js';
import { signCheckpoint } from '../../src/log/checkpoint.js';
import { cosignatureSigner, cosignatureVerifier, cosign, verifyCosignature } from '../../src/log/cosignature.js';
import { consistencyProof, EMPTY_ROOT, leafHash, nodeHash, treeRoot, type Hash, type NodeReader } from '../../src/log/merkle.js';
import { noteSigner, noteVerifier, parseNote, verifierKeyOf, type NoteSigner } from '../../src/log/note.js';
import { formatAddCheckpoint, parseSizeConflict, TLOG_SIZE_CONTENT_TYPE } from '../../src/log/witness-protocol.js';
import { addCheckpoint, formatWitnessState, parseWitnessState, type Witness, type WitnessState, type WitnessVerdict } from '../../src/log/witness.js';

const ORIGIN = 'ordo.example/log';
const NOW = 1_796_000_000;
const h = (d: Uint8Array) => suite.sha256(d);
const jwk = () => suite.ed25519FromSeed(new Uint8Array(randomBytes(32)));

const logSigner = await noteSigner(suite, ORIGIN, await jwk());
const witnessSigner = await cosignatureSigner(suite, 'witness.example/w1', await jwk());
const witness: Witness = { suite, log: await noteVerifier(suite, verifierKeyOf(suite, logSigner)), signer: witnessSigner };
const witnessVerifier = await cosignatureVerifier(suite, verifierKeyOf(suite, witnessSigner));

/** A history of `n` leaves; `fork` changes leaf `fork` (so every tree from fork + 1 leaves on differs). */
const history = (n: number, fork?: number): Hash[] => Array.from({ length: n }, (_, i) => leafHash(h, Uint8Array.of(i, i === fork ? 0xff : 0)));
/** Nodes of the tree over `leaves`, by level and index, computed naively. */
const reader = (leaves: Hash[]): NodeReader => {
  const node = (level: number, index: number): Hash => (level === 0 ? leaves[index]! : nodeHash(h, node(level - 1, 2 * index), node(level - 1, 2 * index + 1)));
  return async (level, index) => node(level, index);
};
const rootOf = (leaves: Hash[], size = leaves.length) => treeRoot(h, size, reader(leaves));
const noteOf = async (leaves: Hash[], size = leaves.length, signer: NoteSigner = logSigner, origin = ORIGIN) =>
  signCheckpoint(suite, { origin, size, root: await rootOf(leaves, size) }, signer);
const stateOf = async (leaves: Hash[], size = leaves.length): Promise<WitnessState> => ({ origin: ORIGIN, size, root: await rootOf(leaves, size) });
/** The add-checkpoint body from `oldSize` to the tree of `size` leaves of `leaves`, with its true proof. */
async function bodyOf(leaves: Hash[], oldSize: number, size = leaves.length, note?: string) {
  const proof = oldSize === 0 ? [] : await consistencyProof(h, oldSize, size, reader(leaves));
  return formatAddCheckpoint({ oldSize, proof, checkpoint: note ?? (await noteOf(leaves, size)) });
}
const parsed = (note: string) => {
  const p = parseNote(note);
  if (!p.ok) throw new Error(p.reason);
  return p;
};
const textOf = (note: string) => parsed(note).text;
const firstLine = (note: string) => parsed(note).signatures[0]!.line;
const refused = (v: WitnessVerdict, status: number, reason: string) => {
  expect(v.ok, v.body).toBe(false);
  expect([v.status, !v.ok && v.reason]).toEqual([status, reason]);
};

describe('witness: add-checkpoint', () => {
  const honest = history(13);

  it('200: trusts the first checkpoint (old 0), cosigns it and returns the state to persist', async () => {
    const note = await noteOf(honest, 5);
    const v = await addCheckpoint(witness, undefined, await bodyOf(honest, 0, 5, note), NOW);
    if (!v.ok) throw new Error(v.body);
    expect(v.state).toEqual(await stateOf(honest, 5));
    expect(v.body).toMatch(/^— witness\.example\/w1 \S+\n$/);
    const text = textOf(note);
    expect(await verifyCosignature(suite, witnessVerifier, text, v.body)).toEqual({ ok: true, timestamp: NOW });
    expect(v.body).toBe(await cosign(suite, witnessSigner, text, NOW)); // Ed25519 is deterministic
  });

  it('200: a checkpoint that extends the cosigned one with a proof that verifies, as bytes too', async () => {
    const v = await addCheckpoint(witness, await stateOf(honest, 5), new TextEncoder().encode(await bodyOf(honest, 5)), NOW);
    expect(v.ok && v.state).toEqual(await stateOf(honest));
    // From the empty tree, cosigned: nothing to prove.
    expect((await addCheckpoint(witness, await stateOf([], 0), await bodyOf(honest, 0), NOW)).status).toBe(200);
  });

  it('200: the same checkpoint again (old size = size, same root), and signatures of unknown keys ignored', async () => {
    const note = await noteOf(honest);
    const stranger = await noteSigner(suite, 'stranger.example', await jwk());
    const other = firstLine(await signCheckpoint(suite, { origin: ORIGIN, size: 13, root: await rootOf(honest) }, stranger));
    const v = await addCheckpoint(witness, await stateOf(honest), await bodyOf(honest, 13, 13, note + other), NOW);
    expect(v.ok && v.state).toEqual(await stateOf(honest));
  });

  it('400: a body that is not add-checkpoint, not UTF-8, or an old size beyond the checkpoint', async () => {
    for (const body of ['', 'old 1\n', 'old 01\n\n' + (await noteOf(honest)), `old 0\n\n${ORIGIN}\n13\nnot a note\n`]) {
      refused(await addCheckpoint(witness, undefined, body, NOW), 400, 'bad-request');
    }
    refused(await addCheckpoint(witness, undefined, Uint8Array.of(0x6f, 0x6c, 0x64, 0xff, 0x0a), NOW), 400, 'bad-request');
    const beyond = formatAddCheckpoint({ oldSize: 14, proof: [new Uint8Array(32)], checkpoint: await noteOf(honest) });
    refused(await addCheckpoint(witness, await stateOf(honest, 14 - 1), beyond, NOW), 400, 'old-size-beyond');
  });

  it('404: a checkpoint of another origin, even signed by a key of that name', async () => {
    const elsewhere = await noteSigner(suite, 'elsewhere.example/log', await jwk());
    const body = formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: await noteOf(honest, 13, elsewhere, 'elsewhere.example/log') });
    refused(await addCheckpoint(witness, undefined, body, NOW), 404, 'unknown-origin');
  });

  it('403: no signature of the log key (another key of its name), or one of its signature lines fails', async () => {
    const impostor = await noteSigner(suite, ORIGIN, await jwk());
    refused(await addCheckpoint(witness, undefined, await bodyOf(honest, 0, 13, await noteOf(honest, 13, impostor)), NOW), 403, 'untrusted-signature');
    // The log's own signature line, over another text: its key ID is known, its signature fails.
    const text = textOf(await noteOf(honest));
    const line = firstLine(await noteOf(honest, 5));
    refused(await addCheckpoint(witness, undefined, formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: `${text}\n${line}` }), NOW), 403, 'untrusted-signature');
    // Checked before the sizes: a stale old size with a bad signature is a 403, not a 409.
    refused(await addCheckpoint(witness, await stateOf(honest, 5), await bodyOf(honest, 0, 13, await noteOf(honest, 13, impostor)), NOW), 403, 'untrusted-signature');
  });

  it('409: an old size other than the latest cosigned, with that size as text/x.tlog.size', async () => {
    const v = await addCheckpoint(witness, await stateOf(honest, 5), await bodyOf(honest, 3), NOW);
    refused(v, 409, 'stale-old-size');
    expect([v.contentType, parseSizeConflict(v.body)]).toEqual([TLOG_SIZE_CONTENT_TYPE, 5]);
    const none = await addCheckpoint(witness, undefined, await bodyOf(honest, 3), NOW);
    expect([none.status, none.body]).toEqual([409, '0\n']); // never cosigned: its size is 0
  });

  it('422: a consistency proof that does not verify, a size-0 checkpoint whose root is not the empty tree', async () => {
    const proof = await consistencyProof(h, 5, 13, reader(honest));
    for (let i = 0; i < proof.length; i++) {
      const bent = proof.map((p, j) => (j === i ? Uint8Array.from(p, (b, k) => (k === 0 ? b ^ 1 : b)) : p));
      const body = formatAddCheckpoint({ oldSize: 5, proof: bent, checkpoint: await noteOf(honest) });
      refused(await addCheckpoint(witness, await stateOf(honest, 5), body, NOW), 422, 'inconsistent');
    }
    const short = formatAddCheckpoint({ oldSize: 5, proof: proof.slice(1), checkpoint: await noteOf(honest) });
    refused(await addCheckpoint(witness, await stateOf(honest, 5), short, NOW), 422, 'inconsistent');
    const zero = formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: await signCheckpoint(suite, { origin: ORIGIN, size: 0, root: new Uint8Array(32) }, logSigner) });
    refused(await addCheckpoint(witness, undefined, zero, NOW), 422, 'empty-tree-root');
    expect((await addCheckpoint(witness, undefined, formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: await signCheckpoint(suite, { origin: ORIGIN, size: 0, root: EMPTY_ROOT(h) }, logSigner) }), NOW)).status).toBe(200);
  });

  it('never cosigns a fork: the same size with another root is a 409, a larger tree of another history a 422', async () => {
    const forked = history(13, 2); // leaf 2 rewritten
    const seen = await stateOf(honest, 8);
    const same = await addCheckpoint(witness, seen, await bodyOf(forked, 8, 8), NOW);
    refused(same, 409, 'fork');
    expect(same.contentType).not.toBe(TLOG_SIZE_CONTENT_TYPE);
    expect(same.body).toMatch(/refusing to cosign a fork/);
    // The fork's own proof from 8 to 13 is sound for the fork, not for the tree the witness saw.
    refused(await addCheckpoint(witness, seen, await bodyOf(forked, 8), NOW), 422, 'inconsistent');
    // And it never goes back: a smaller size is a stale old size whatever the proof.
    refused(await addCheckpoint(witness, seen, await bodyOf(honest, 5, 5), NOW), 409, 'stale-old-size');
    refused(await addCheckpoint(witness, seen, await bodyOf(honest, 0, 5), NOW), 409, 'stale-old-size');
  });
});

describe('witness: state file', () => {
  it('round-trips, and refuses anything else', async () => {
    const s = await stateOf(history(3));
    expect(parseWitnessState(formatWitnessState(s))).toEqual(s);
    for (const bad of ['', '{}', 'null', JSON.stringify({ origin: ORIGIN, size: -1, root: 'x' }), JSON.stringify({ origin: ORIGIN, size: 1, root: 'AAAA' })]) {
      expect(parseWitnessState(bad), bad).toBeUndefined();
    }
  });
});
