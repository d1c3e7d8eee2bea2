/**
 * Integration: the events committed since the last checkpoint become leaves of the log's tree,
 * in `seq` order, and Ordo signs a checkpoint of the new size (docs/design.md § Transparency
 * log). It runs beside the writes (a timer on Node, after a write and on the cron on Workers),
 * never inside one: a write never waits for a tree.
 *
 * Leaf i is the event whose seq is i + 1; its data is the event's 32-byte hash, so the leaf is
 * SHA-256(0x00 ‖ hash) (RFC 9162). `seq` has no gaps: should one ever be missing, integration
 * stops before it (and says so) rather than sign a tree without it.
 */
import type { Deps } from '../../deps.js';
import { formatCheckpoint } from '../../log/checkpoint.js';
import { leafHash, treeRoot, type Hasher } from '../../log/merkle.js';
import { signNote } from '../../log/note.js';
import { appendLeaves, tileReader, tileWidth, type Tile } from '../../log/tiles.js';
import type { LogStore } from '../../store/types.js';
import { logSigner } from './keys.js';

export type Integrated = { size: number; added: number; note: string };

export const hasherOf = (deps: Pick<Deps, 'crypto'>): Hasher => (data) => deps.crypto.sha256(data);

/**
 * The tiles of the tree of `size` leaves, read from the store: a stored tile may be longer (a
 * later integration grew it), and is cut to the width this size has. A tile shorter than that
 * is damage: an Error, never a wrong root.
 */
export function storedTiles(log: LogStore, size: number) {
  return async (level: number, index: number): Promise<Tile | undefined> => {
    const width = tileWidth(size, level, index);
    if (!width) return undefined;
    const hashes = await log.tile(level, index);
    if (!hashes || hashes.length < width * 32) throw new Error(`log tile ${level}/${index} holds ${(hashes?.length ?? 0) / 32} hashes, fewer than the ${width} a tree of ${size} has`);
    return { level, index, hashes: hashes.subarray(0, width * 32) };
  };
}

/**
 * Integrates up to `config.log.batch` new leaves and signs their checkpoint; undefined when
 * there is nothing new (and a checkpoint already). Deterministic (the same events give the same tiles, Ed25519 the same
 * signature), so two processes integrating at once store the same thing twice.
 */
export async function integrate(deps: Deps): Promise<Integrated | undefined> {
  const { store, config } = deps;
  const h = hasherOf(deps);
  const head = await store.log.head();
  const oldSize = head?.size ?? 0;
  const leaves = await store.log.leaves(oldSize, config.log.batch);
  let n = 0;
  while (n < leaves.length && leaves[n]!.seq === oldSize + n + 1) n++;
  if (n < leaves.length) deps.log({ level: 'error', msg: 'log integration stopped at a missing event', seq: oldSize + n + 1 });
  if (!n && head) return undefined;
  const read = storedTiles(store.log, oldSize);
  const { size, tiles } = await appendLeaves(h, oldSize, leaves.slice(0, n).map((l) => leafHash(h, l.hash)), read);
  const changed = new Map(tiles.map((t) => [`${t.level}/${t.index}`, t]));
  // The first run signs the empty tree too (size 0, the hash of nothing): a monitor has a start.
  const root = await treeRoot(h, size, tileReader(h, size, async (level, index) => changed.get(`${level}/${index}`) ?? read(level, index)));
  const note = await signNote(deps.crypto, formatCheckpoint({ origin: config.log.origin, size, root }), await logSigner(deps));
  await store.log.append(tiles, { size, root, note, at: deps.clock() });
  return { size, added: n, note };
}

/** Integrates until no leaf is left (a backlog goes in checkpoints of `batch`), at most `rounds` checkpoints. */
export async function integrateAll(deps: Deps, rounds = 100): Promise<Integrated[]> {
  const done: Integrated[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = await integrate(deps);
    if (!r) break;
    done.push(r);
    if (r.added < deps.config.log.batch) break;
  }
  return done;
}

