/**
 * What the log publishes (docs/design.md § Transparency log): the checkpoint with its
 * cosignatures, the tiles and entry bundles of the tree it commits to, and inclusion and
 * consistency proofs computed from those tiles. Nothing beyond the latest checkpoint is served.
 */
import type { Deps } from '../../deps.js';
import { OrdoError } from '../../domain/errors.js';
import { consistencyProof, inclusionProof, type Hash } from '../../log/merkle.js';
import { encodeEntryBundle, tileReader, tileWidth, TILE_WIDTH } from '../../log/tiles.js';
import type { StoredCheckpoint } from '../../store/types.js';
import { hasherOf, storedTiles } from './integrate.js';

/** The checkpoint as published: Ordo's signed note, then each witness's cosignature line. */
export const publishedNote = (c: StoredCheckpoint) => c.note + c.cosignatures.map((w) => w.line).join('');

/** The latest checkpoint; not_found before the first one. */
export async function latest(deps: Deps): Promise<StoredCheckpoint> {
  const head = await deps.store.log.head();
  if (!head) throw new OrdoError('not_found', 'The log has no checkpoint yet: the first is signed within ORDO_LOG_INTERVAL of start.');
  return head;
}

/** A checkpoint Ordo signed, by size; not_found when there is none of that size. */
export async function checkpointOf(deps: Deps, size: number): Promise<StoredCheckpoint> {
  const c = await deps.store.log.checkpoint(size);
  if (!c) throw new OrdoError('not_found', `The log has no checkpoint of size ${size}.`);
  return c;
}

/** The first `width` hashes of tile `level`/`index`, when the latest checkpoint's tree has them; else undefined. */
export async function tileBytes(deps: Deps, level: number, index: number, width: number): Promise<Uint8Array | undefined> {
  const size = await deps.store.log.size();
  if (tileWidth(size, level, index) < width) return undefined;
  const tile = await storedTiles(deps.store.log, size)(level, index);
  return tile?.hashes.subarray(0, width * 32);
}

/** The entry bundle `index` (leaves 256·index …), its first `width` entries, when integrated; else undefined. */
export async function entryBundle(deps: Deps, index: number, width: number): Promise<Uint8Array | undefined> {
  const size = await deps.store.log.size();
  if (size < index * TILE_WIDTH + width) return undefined;
  const leaves = await deps.store.log.leaves(index * TILE_WIDTH, width);
  if (leaves.length !== width || leaves.some((l, i) => l.seq !== index * TILE_WIDTH + i + 1)) throw new Error(`log entries ${index * TILE_WIDTH}…: the events are not seq ${index * TILE_WIDTH + 1} to ${index * TILE_WIDTH + width}`);
  return encodeEntryBundle(leaves.map((l) => l.hash));
}

/** A size given by a client: at most the latest checkpoint's (which is the default). */
async function sizeOf(deps: Deps, asked: number | undefined): Promise<{ size: number; latest: number }> {
  const latest = await deps.store.log.size();
  if (asked === undefined) {
    if (!latest) throw new OrdoError('not_found', 'The log is empty: nothing to prove yet.');
    return { size: latest, latest };
  }
  if (asked > latest) throw new OrdoError('not_found', `The log's latest checkpoint has size ${latest}: none of size ${asked} yet.`);
  return { size: asked, latest };
}

/** The tiles of the tree of `size` leaves (the latest), as the proofs read them. */
const reader = (deps: Deps, size: number) => tileReader(hasherOf(deps), size, storedTiles(deps.store.log, size));

/** RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves (default: the latest). */
export async function proveInclusion(deps: Deps, index: number, asked?: number): Promise<{ index: number; size: number; proof: Hash[] }> {
  const { size, latest } = await sizeOf(deps, asked);
  if (index >= size) throw new OrdoError('bad_request', `index: leaf ${index} is not in a tree of ${size} leaves (indexes 0 to ${size - 1}).`);
  return { index, size, proof: await inclusionProof(hasherOf(deps), index, size, reader(deps, latest)) };
}

/** RFC 9162 consistency proof from the tree of `from` leaves to that of `size` (default: the latest). */
export async function proveConsistency(deps: Deps, from: number, asked?: number): Promise<{ from: number; size: number; proof: Hash[] }> {
  const { size, latest } = await sizeOf(deps, asked);
  if (from > size) throw new OrdoError('bad_request', `from: ${from} is larger than size ${size}.`);
  return { from, size, proof: from === 0 || from === size ? [] : await consistencyProof(hasherOf(deps), from, size, reader(deps, latest)) };
}
