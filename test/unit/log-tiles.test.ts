/**
 * The C2SP tlog-tiles layout (src/log/tiles.ts): tile paths as c2sp.org/tlog-tiles writes them
 * and nothing else parsed, the tiles an append creates (the spec's own 70,000-leaf example),
 * reading nodes back from tiles and its errors, and entry bundles.
 */
import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { treeRoot, type Hash } from '../../src/log/merkle.js';
import { appendLeaves, decodeEntryBundle, encodeEntryBundle, parseTilePath, tilePath, tileReader, TILE_WIDTH, type Tile } from '../../src/log/tiles.js';

const sha256 = (data: Uint8Array) => new Uint8Array(hash('sha256', data, 'buffer'));
/** Distinct 32-byte leaf hashes without hashing (the tile logic does not care where they come from). */
const fakeLeaves = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => new Uint8Array(32).fill((from + i) % 251, 0, 16).fill(Math.floor((from + i) / 251) % 251, 16));

function memoryStore() {
  const tiles = new Map<string, Tile>();
  let reads = 0;
  return {
    tiles,
    reads: () => reads,
    readTile: async (level: number, index: number) => (reads++, tiles.get(`${level}/${index}`)),
    save: (changed: Tile[]) => changed.forEach((t) => tiles.set(`${t.level}/${t.index}`, t)),
  };
}
const pathsOf = (tiles: Tile[]) => tiles.map((t) => tilePath(t.level, t.index, t.hashes.length / 32));

describe('tile paths', () => {
  it('writes N in 3-digit groups with x prefixes, and .p/W for partial tiles only', () => {
    expect(tilePath(0, 1_234_067)).toBe('tile/0/x001/x234/067');
    expect(tilePath(0, 0)).toBe('tile/0/000');
    expect(tilePath(2, 1000, 256)).toBe('tile/2/x001/000');
    expect(tilePath(1, 5, 17)).toBe('tile/1/005.p/17');
    expect(tilePath('entries', 1_000_000, 1)).toBe('tile/entries/x001/x000/000.p/1');
    expect(tilePath(63, 0, 255)).toBe('tile/63/000.p/255');
  });

  it('refuses what no tree has: levels past 63, unsafe or negative indexes, widths outside 1–256', () => {
    for (const [level, index, width] of [[64, 0, 256], [-1, 0, 256], [1.5, 0, 256], [0, -1, 256], [0, 0.5, 256], [0, 2 ** 53, 256], [0, 0, 0], [0, 0, 257], [0, 0, 2.5], [7, 1, 256]] as const) {
      expect(() => tilePath(level, index, width)).toThrow(RangeError);
    }
    expect(() => tilePath('data' as 'entries', 0)).toThrow(RangeError);
  });

  it('parses exactly what it writes', () => {
    const maxIndex = (level: number) => Math.max(0, Math.ceil(Number.MAX_SAFE_INTEGER / TILE_WIDTH ** (level + 1)) - 1);
    const tile = fc.oneof(fc.integer({ min: 0, max: 63 }), fc.constant('entries' as const)).chain((level) => {
      const max = maxIndex(level === 'entries' ? 0 : level);
      return fc.record({ level: fc.constant(level), index: fc.oneof(fc.integer({ min: 0, max: Math.min(2000, max) }), fc.integer({ min: 0, max })), width: fc.integer({ min: 1, max: 256 }) });
    });
    fc.assert(fc.property(tile, (t) => {
      expect(parseTilePath(tilePath(t.level, t.index, t.width))).toEqual(t);
    }));
  });

  it('refuses every other form', () => {
    const refused = [
      'tile/00/000', 'tile/01/000', 'tile/64/000', 'tile/-1/000', 'tile/+1/000', 'tile/data/000', 'tile/entry/000', 'tile/ 0/000',
      'tile/0/0', 'tile/0/01', 'tile/0/0001', 'tile/0/x000/001', 'tile/0/x001', 'tile/0/001/002', 'tile/0/x01/002', 'tile/0/X001/002', 'tile/0/x001/x002',
      'tile/0/000.p/256', 'tile/0/000.p/0', 'tile/0/000.p/007', 'tile/0/000.p/300', 'tile/0/000.p/', 'tile/0/000.p/+5', 'tile/0/000.p/5/', 'tile/0/000.p',
      'tile/entries/000.p/256', 'tile/0/000/', '/tile/0/000', 'tile/0/000 ', 'tile//000', 'tile/0', 'tile/0/', '', 'tile/0/x009/x007/x199/x254/x740/992',
      'tile/7/001', 'tile/0/٠٠١',
    ];
    for (const path of refused) expect([path, parseTilePath(path)]).toEqual([path, undefined]);
    expect(parseTilePath(42 as unknown as string)).toBeUndefined();
  });
});

describe('appending leaves', () => {
  it('builds the spec example: 70,000 leaves are 273 full level-0 tiles, 0/273.p/112, 1/000, 1/001.p/17 and 2/000.p/1', async () => {
    const store = memoryStore();
    const first = await appendLeaves(sha256, 0, fakeLeaves(0, 65_535), store.readTile);
    store.save(first.tiles);
    const across = await appendLeaves(sha256, 65_535, fakeLeaves(65_535, 65_537), store.readTile);
    // Only the tiles the two leaves touch, at every level: the old partial ones become full.
    expect(pathsOf(across.tiles)).toEqual(['tile/0/255', 'tile/0/256.p/1', 'tile/1/000', 'tile/2/000.p/1']);
    store.save(across.tiles);
    const rest = await appendLeaves(sha256, 65_537, fakeLeaves(65_537, 70_000), store.readTile);
    store.save(rest.tiles);
    expect(rest.size).toBe(70_000);

    const full = Array.from({ length: 273 }, (_, i) => tilePath(0, i));
    expect(pathsOf([...store.tiles.values()]).sort()).toEqual([...full, 'tile/0/273.p/112', 'tile/1/000', 'tile/1/001.p/17', 'tile/2/000.p/1'].sort());
    const once = await appendLeaves(sha256, 0, fakeLeaves(0, 70_000), memoryStore().readTile);
    expect(once.tiles.map((t) => Buffer.from(t.hashes).toString('hex'))).toEqual(once.tiles.map((t) => Buffer.from(store.tiles.get(`${t.level}/${t.index}`)!.hashes).toString('hex')));
  });

  it('a tree of 256 leaves is a full level-0 tile and a level-1 tile of width 1, which holds the root', async () => {
    const store = memoryStore();
    const { tiles } = await appendLeaves(sha256, 0, fakeLeaves(0, 256), store.readTile);
    expect(pathsOf(tiles)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
    store.save(tiles);
    expect(tiles[1]!.hashes).toEqual(await treeRoot(sha256, 256, tileReader(sha256, 256, store.readTile)));
    expect(store.reads()).toBe(1);
  });

  it('appends nothing as nothing, and reads only the partial tiles it extends', async () => {
    const store = memoryStore();
    expect(await appendLeaves(sha256, 0, [], store.readTile)).toEqual({ size: 0, tiles: [] });
    store.save((await appendLeaves(sha256, 0, fakeLeaves(0, 300), store.readTile)).tiles);
    expect(store.reads()).toBe(0);
    await appendLeaves(sha256, 300, fakeLeaves(300, 301), store.readTile);
    expect(store.reads()).toBe(1);
  });

  it('uses the old prefix of a stored tile wider than the old tree (a batch written but never committed)', async () => {
    const store = memoryStore();
    store.save((await appendLeaves(sha256, 0, fakeLeaves(0, 10), store.readTile)).tiles);
    store.save((await appendLeaves(sha256, 10, fakeLeaves(100, 105), store.readTile)).tiles); // the lost batch
    const again = await appendLeaves(sha256, 10, fakeLeaves(10, 15), store.readTile);
    expect(again.tiles[0]!.hashes).toEqual((await appendLeaves(sha256, 0, fakeLeaves(0, 15), memoryStore().readTile)).tiles[0]!.hashes);
  });

  it('throws on a missing or short stored tile, a hash of the wrong size, a bad size', async () => {
    const store = memoryStore();
    await expect(appendLeaves(sha256, 10, fakeLeaves(10, 11), store.readTile)).rejects.toThrow(/tile\/0\/000\.p\/10 .* missing/);
    store.tiles.set('0/0', { level: 0, index: 0, hashes: new Uint8Array(9 * 32) });
    await expect(appendLeaves(sha256, 10, fakeLeaves(10, 11), store.readTile)).rejects.toThrow(/only 9 hashes/);
    await expect(appendLeaves(sha256, 0, [new Uint8Array(31)], store.readTile)).rejects.toThrow(TypeError);
    await expect(appendLeaves(sha256, -1, fakeLeaves(0, 1), store.readTile)).rejects.toThrow(RangeError);
    await expect(appendLeaves(sha256, Number.MAX_SAFE_INTEGER, fakeLeaves(0, 1), store.readTile)).rejects.toThrow(RangeError);
  });
});

describe('reading nodes from tiles', () => {
  it('reads each tile once, even for reads in flight, and retries a tile that failed', async () => {
    const store = memoryStore();
    store.save((await appendLeaves(sha256, 0, fakeLeaves(0, 600), store.readTile)).tiles);
    const read = tileReader(sha256, 600, store.readTile);
    await Promise.all([read(0, 0), read(3, 1), read(7, 1), read(0, 300), read(8, 1)]);
    expect(store.reads()).toBe(3); // tiles 0/0, 0/1 and 1/0

    let fail = true;
    const flaky = tileReader(sha256, 600, async (level, index) => (fail ? ((fail = false), undefined) : store.tiles.get(`${level}/${index}`)));
    await expect(flaky(0, 0)).rejects.toThrow(/tile\/0\/000 is missing/);
    expect((await flaky(0, 0)).length).toBe(32);
  });

  it('gives copies: changing a hash it returned changes no tile', async () => {
    const store = memoryStore();
    store.save((await appendLeaves(sha256, 0, fakeLeaves(0, 4), store.readTile)).tiles);
    const read = tileReader(sha256, 4, store.readTile);
    const leaf: Hash = await read(0, 1);
    leaf[0]! ^= 1;
    expect(await read(0, 1)).toEqual(fakeLeaves(1, 2)[0]);
  });

  it('refuses nodes that are not complete subtrees of the tree, and names a short tile', async () => {
    const store = memoryStore();
    store.save((await appendLeaves(sha256, 0, fakeLeaves(0, 10), store.readTile)).tiles);
    const read = tileReader(sha256, 10, store.readTile);
    for (const [level, index] of [[0, 10], [1, 5], [4, 0], [-1, 0], [0, -1], [0, 0.5]] as const) await expect(read(level, index)).rejects.toThrow(RangeError);
    const tooBig = tileReader(sha256, 12, store.readTile);
    await expect(tooBig(0, 11)).rejects.toThrow(/tile\/0\/000 holds 10 hashes; node \(0, 11\) needs 12/);
    expect(() => tileReader(sha256, -1, store.readTile)).toThrow(RangeError);
  });
});

describe('entry bundles', () => {
  it('round-trips: big-endian uint16 lengths, then the entries', () => {
    expect([...encodeEntryBundle([Uint8Array.of(7), new Uint8Array(0), Uint8Array.of(1, 2)])]).toEqual([0, 1, 7, 0, 0, 0, 2, 1, 2]);
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (entries) => {
      expect(decodeEntryBundle(encodeEntryBundle(entries))).toEqual(entries);
    }));
    const largest = new Uint8Array(0xffff).fill(9);
    expect(decodeEntryBundle(encodeEntryBundle([largest]))).toEqual([largest]);
    expect(() => encodeEntryBundle([new Uint8Array(0x10000)])).toThrow(RangeError);
    expect(decodeEntryBundle(new Uint8Array(0))).toEqual([]);
  });

  it('refuses a bundle whose length or entry runs past its end', () => {
    for (const bad of [[0], [0, 2, 1], [0, 1, 5, 0], [1, 0, ...new Array(255).fill(0)], [0, 0, 0]]) expect(decodeEntryBundle(Uint8Array.from(bad))).toBeUndefined();
    expect(decodeEntryBundle('AAE=' as unknown as Uint8Array)).toBeUndefined();
  });
});
