/**
 * The C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles) of the log's Merkle tree: tile paths,
 * building tiles as leaves are appended, reading tree nodes back from tiles, and entry bundles.
 *
 * Tiles have height 8: a level-L tile holds up to 256 consecutive hashes of tree level 8L (level
 * 0: leaf hashes), and each hash of a level-(L+1) tile is the root of a full level-L tile. The
 * levels in between are not stored: they are recomputed from a tile's hashes. A partial tile
 * (1 to 255 hashes) is the right edge of a level; it is never hashed into the level above.
 */
import { nodeHash, type Hash, type Hasher, type NodeReader } from './merkle.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;

const HASH_SIZE = 32;
const MAX_LEVEL = 63;
const MAX_ENTRY = 0xffff;

/** How many hashes tile `index` of `level` has in a tree of `size` leaves (complete nodes only): 0 to 256. */
export function tileWidth(size: number, level: number, index: number): number {
  const nodes = Math.floor(size / 2 ** (TILE_HEIGHT * level));
  return Math.max(0, Math.min(TILE_WIDTH, nodes - index * TILE_WIDTH));
}

/** A stored tile: its hashes concatenated, width × 32 bytes. */
export type Tile = { level: number; index: number; hashes: Uint8Array };
/** Returns a stored tile (possibly partial, possibly wider than asked for) or undefined. */
export type TileSource = (level: number, index: number) => Promise<Tile | undefined>;

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isLevel = (l: unknown): l is number | 'entries' => l === 'entries' || (Number.isInteger(l) && (l as number) >= 0 && (l as number) <= MAX_LEVEL);
/** Whether a tree of at most 2^53 − 1 leaves can have tile `index` at `level` (its first leaf exists). */
const reachable = (level: number, index: number) => index === 0 || index * TILE_WIDTH ** (level + 1) < Number.MAX_SAFE_INTEGER;

/** N in zero-padded 3-digit groups, all but the last prefixed with "x": 1234067 → x001/x234/067. */
function indexPath(index: number): string {
  const groups = [String(index % 1000).padStart(3, '0')];
  for (let n = Math.floor(index / 1000); n > 0; n = Math.floor(n / 1000)) groups.unshift(`x${String(n % 1000).padStart(3, '0')}`);
  return groups.join('/');
}

/**
 * Path below the log prefix: "tile/<L>/<N>[.p/<W>]" and "tile/entries/<N>[.p/<W>]". `width`
 * omitted or 256 is a full tile. Throws a RangeError for a level outside 0–63, an index that is
 * not a safe non-negative integer (or that no tree of up to 2^53 − 1 leaves has), a width
 * outside 1–256.
 */
export function tilePath(level: number | 'entries', index: number, width: number = TILE_WIDTH): string {
  if (!isLevel(level)) throw new RangeError(`tiles: level ${level} is not 0 to ${MAX_LEVEL} or "entries"`);
  if (!isCount(index) || !reachable(level === 'entries' ? 0 : level, index)) throw new RangeError(`tiles: no tile ${index} at level ${level}`);
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new RangeError(`tiles: width ${width} is not 1 to ${TILE_WIDTH}`);
  return `tile/${level}/${indexPath(index)}${width === TILE_WIDTH ? '' : `.p/${width}`}`;
}

const TILE_PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * The tile a path names, or undefined unless the path is exactly what tilePath writes: no
 * leading zeros in L, W or the first group of N, no ".p/256" or ".p/0", no level above 63, no
 * index past what a tree of 2^53 − 1 leaves has.
 */
export function parseTilePath(path: string): { level: number | 'entries'; index: number; width: number } | undefined {
  const match = typeof path === 'string' ? TILE_PATH.exec(path) : null;
  if (!match) return undefined;
  const level = match[1] === 'entries' ? 'entries' : Number(match[1]);
  const width = match[3] === undefined ? TILE_WIDTH : Number(match[3]);
  let index = 0;
  for (const group of match[2]!.split('/')) index = index * 1000 + Number(group.replace('x', ''));
  if (!isLevel(level) || width > TILE_WIDTH || (match[3] !== undefined && width === TILE_WIDTH)) return undefined;
  if (!isCount(index) || !reachable(level === 'entries' ? 0 : level, index)) return undefined;
  // A first group of x000 parses; only the round trip refuses it.
  return tilePath(level, index, width) === path ? { level, index, width } : undefined;
}

/** The Merkle root of `count` (a power of 2) hashes of `hashes` from hash `offset`, as a copy. */
function rootOf(h: Hasher, hashes: Uint8Array, offset: number, count: number): Hash {
  let row: Hash[] = [];
  for (let i = 0; i < count; i++) row.push(hashes.slice((offset + i) * HASH_SIZE, (offset + i + 1) * HASH_SIZE));
  while (row.length > 1) {
    const up: Hash[] = [];
    for (let i = 0; i < row.length; i += 2) up.push(nodeHash(h, row[i]!, row[i + 1]!));
    row = up;
  }
  return row[0]!;
}

/**
 * Appends leaf hashes to a tree of `oldSize` leaves. `readTile(level, index)` returns a stored
 * tile (possibly partial) or undefined; it is asked only for the partial tile at the right edge
 * of each level that grows, and only its first hashes (those of the old tree) are used, so a tile
 * written for a larger size (a batch that was not committed) does no harm. Returns every tile
 * that changed or was created (full or partial, at every level), in level order, and the new
 * size. Throws if a needed stored tile is missing or too short, or on a hash that is not 32 bytes.
 */
export async function appendLeaves(h: Hasher, oldSize: number, leafHashes: Hash[], readTile: TileSource): Promise<{ size: number; tiles: Tile[] }> {
  if (!isCount(oldSize)) throw new RangeError(`tiles: tree size ${oldSize} is not a safe non-negative integer`);
  const size = oldSize + leafHashes.length;
  if (!isCount(size)) throw new RangeError(`tiles: a tree of ${size} leaves is too large`);
  if (!leafHashes.every((x) => x instanceof Uint8Array && x.length === HASH_SIZE)) throw new TypeError('tiles: every leaf hash must be 32 bytes');

  const tiles: Tile[] = [];
  // At each level: the new hashes, and how many hashes the level had in the old tree.
  let fresh = leafHashes;
  let before = oldSize;
  for (let level = 0; fresh.length > 0; level++) {
    const completed: Hash[] = [];
    let index = Math.floor(before / TILE_WIDTH);
    let kept = before % TILE_WIDTH;
    for (let at = 0; at < fresh.length; index++, kept = 0) {
      const added = Math.min(TILE_WIDTH - kept, fresh.length - at);
      const hashes = new Uint8Array((kept + added) * HASH_SIZE);
      if (kept > 0) {
        const stored = await readTile(level, index);
        if (!stored || stored.hashes.length < kept * HASH_SIZE) {
          throw new Error(`tiles: ${tilePath(level, index, kept)} is needed to append to a tree of ${oldSize} leaves, and ${stored ? `only ${Math.floor(stored.hashes.length / HASH_SIZE)} hashes are stored` : 'it is missing'}`);
        }
        hashes.set(stored.hashes.subarray(0, kept * HASH_SIZE));
      }
      for (let i = 0; i < added; i++) hashes.set(fresh[at + i]!, (kept + i) * HASH_SIZE);
      tiles.push({ level, index, hashes });
      if (kept + added === TILE_WIDTH) completed.push(rootOf(h, hashes, 0, TILE_WIDTH));
      at += added;
    }
    fresh = completed;
    before = Math.floor(before / TILE_WIDTH);
  }
  return { size, tiles };
}

/**
 * A NodeReader over tiles for a tree of `size` leaves: a node of tree level 8L is a hash of a
 * level-L tile; a node between is computed from the level-L tile's hashes below it. Throws a
 * RangeError for a node that is not a complete subtree of the tree, and an Error naming the tile
 * if a needed tile is missing or too short. Caches the tiles it read (reads in flight included).
 */
export function tileReader(h: Hasher, size: number, readTile: TileSource): NodeReader {
  if (!isCount(size)) throw new RangeError(`tiles: tree size ${size} is not a safe non-negative integer`);
  const cache = new Map<string, Promise<Uint8Array>>();
  const load = (level: number, index: number): Promise<Uint8Array> => {
    const key = `${level}/${index}`;
    let tile = cache.get(key);
    if (!tile) {
      tile = readTile(level, index).then((found) => {
        if (!found) throw new Error(`tiles: ${tilePath(level, index)} is missing (tree of ${size} leaves)`);
        return found.hashes;
      });
      // A failed read is not remembered: the next call tries again.
      tile.catch(() => cache.delete(key));
      cache.set(key, tile);
    }
    return tile;
  };
  return async (level, index) => {
    if (!Number.isInteger(level) || level < 0 || !isCount(index) || (index + 1) * 2 ** level > size) {
      throw new RangeError(`tiles: node (${level}, ${index}) is not a complete subtree of a tree of ${size} leaves`);
    }
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const span = 2 ** (level % TILE_HEIGHT);
    const first = index * span;
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const offset = first % TILE_WIDTH;
    const hashes = await load(tileLevel, tileIndex);
    if (hashes.length < (offset + span) * HASH_SIZE) {
      throw new Error(`tiles: ${tilePath(tileLevel, tileIndex)} holds ${Math.floor(hashes.length / HASH_SIZE)} hashes; node (${level}, ${index}) needs ${offset + span}`);
    }
    return rootOf(h, hashes, offset, span);
  };
}

/** The tile-entries bundle format: each entry a big-endian uint16 length, then the data. Throws a RangeError for an entry over 65,535 bytes. */
export function encodeEntryBundle(entries: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const entry of entries) {
    if (entry.length > MAX_ENTRY) throw new RangeError(`tiles: an entry of ${entry.length} bytes does not fit a bundle (65,535 at most)`);
    total += 2 + entry.length;
  }
  const bundle = new Uint8Array(total);
  let at = 0;
  for (const entry of entries) {
    bundle[at] = entry.length >>> 8;
    bundle[at + 1] = entry.length & 0xff;
    bundle.set(entry, at + 2);
    at += 2 + entry.length;
  }
  return bundle;
}

/** The entries of a bundle (copies), or undefined if a length or an entry runs past its end. An empty bundle is no entries. */
export function decodeEntryBundle(bundle: Uint8Array): Uint8Array[] | undefined {
  if (!(bundle instanceof Uint8Array)) return undefined;
  const entries: Uint8Array[] = [];
  for (let at = 0; at < bundle.length; ) {
    if (at + 2 > bundle.length) return undefined;
    const length = bundle[at]! * 256 + bundle[at + 1]!;
    if (at + 2 + length > bundle.length) return undefined;
    entries.push(bundle.slice(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}
