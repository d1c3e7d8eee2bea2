/**
 * The log's Merkle tree (src/log/merkle.ts) against published vectors, and as a property against
 * a naive RFC 6962 implementation written here from the RFC's recursive definitions, over trees
 * built as tiles (src/log/tiles.ts) in random batches.
 *
 * Vectors (test/fixtures/rfc6962): reference-tree.json is the 8-leaf RFC 6962 reference tree of
 * Certificate Transparency's merkle_tree_test, as transparency-dev/merkle keeps it
 * (testonly/constants.go: leaves, node hashes, roots; proof/verify_test.go: inclusion and
 * consistency proofs). argon2020.json is a real CT log's answers (Google Argon 2020, a tree of
 * 961,984,013 leaves), from golang/mod sumdb/tlog/testdata/argon2020 (tlog's
 * TestCertificateTransparency).
 */
import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consistencyProof, EMPTY_ROOT, inclusionProof, leafHash, nodeHash, treeRoot, verifyConsistency, verifyInclusion, type Hash, type NodeReader } from '../../src/log/merkle.js';
import { appendLeaves, tileReader, type Tile } from '../../src/log/tiles.js';
import reference from '../fixtures/rfc6962/reference-tree.json' with { type: 'json' };
import argon from '../fixtures/rfc6962/argon2020.json' with { type: 'json' };

// crypto.hash, one shot: a third of createHash's cost per call on this machine, and the tests are hash-bound.
const sha256 = (data: Uint8Array) => new Uint8Array(hash('sha256', data, 'buffer'));
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const toHex = (hs: Hash[]) => hs.map((x) => Buffer.from(x).toString('hex'));

// ——— A naive RFC 6962 §2.1 tree, straight from the recursive definitions, over leaf hashes. ———
const H = (...parts: Uint8Array[]) => sha256(Buffer.concat(parts));
const split = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
/** MTH(D[lo:hi]); `memo`, for the large tree, remembers results by range (the definition unchanged). */
function mth(leaves: Hash[], lo = 0, hi = leaves.length, memo?: Map<string, Hash>): Hash {
  if (hi - lo === 0) return H();
  if (hi - lo === 1) return leaves[lo]!;
  const key = `${lo}:${hi}`;
  const known = memo?.get(key);
  if (known) return known;
  const k = split(hi - lo);
  const root = H(Uint8Array.of(1), mth(leaves, lo, lo + k, memo), mth(leaves, lo + k, hi, memo));
  memo?.set(key, root);
  return root;
}
function path(m: number, leaves: Hash[]): Hash[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}
function subproof(m: number, leaves: Hash[], b: boolean): Hash[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [mth(leaves)];
  const k = split(n);
  return m <= k ? [...subproof(m, leaves.slice(0, k), b), mth(leaves.slice(k))] : [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}
/** The left/right walk a proof encodes: two claims with one shape are indistinguishable to any verifier. */
function inclusionShape(m: number, n: number): string {
  if (n <= 1) return '';
  const k = split(n);
  return m < k ? `L${inclusionShape(m, k)}` : `R${inclusionShape(m - k, n - k)}`;
}
function consistencyShape(m: number, n: number, b = true): string {
  if (m === n) return b ? 'old' : 'node';
  const k = split(n);
  return m <= k ? `L${consistencyShape(m, k, b)}` : `R${consistencyShape(m - k, n - k, false)}`;
}
// A 2^k split of the naive tree is the same split as the library's, checked on one size here.
it('the naive split is the largest power of 2 below n', () => {
  expect([2, 3, 4, 5, 8, 9, 1100].map(split)).toEqual([1, 2, 2, 4, 4, 8, 1024]);
});

const leafHashes = (n: number, seed = 0) => Array.from({ length: n }, (_, i) => leafHash(sha256, new TextEncoder().encode(`entry ${seed}/${i}`)));
/** A node reader straight over the leaves (naive MTH of each complete subtree). */
const naiveReader = (leaves: Hash[]): NodeReader => async (level, index) => mth(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level));

/** Builds tiles in the given batch sizes; returns a tile reader source over the stored tiles. */
async function buildTiles(leaves: Hash[], batches: number[]) {
  const store = new Map<string, Tile>();
  const readTile = async (level: number, index: number) => store.get(`${level}/${index}`);
  let size = 0;
  for (const count of batches) {
    const appended = await appendLeaves(sha256, size, leaves.slice(size, size + count), readTile);
    for (const tile of appended.tiles) store.set(`${tile.level}/${tile.index}`, tile);
    size = appended.size;
  }
  return { store, readTile, size };
}

const ALL_BYTES = Array.from({ length: 32 }, (_, i) => i);
/** Flips one bit of byte j of each hash in turn, for each j of `bytes`; names the first change that `check` accepts. */
const flipEachByte = (hashes: Hash[], bytes: number[], check: (changed: Hash[]) => boolean) => {
  for (let i = 0; i < hashes.length; i++) {
    for (const j of bytes) {
      const changed = hashes.map((x) => x.slice());
      changed[i]![j]! ^= 1 << (j % 8);
      if (check(changed)) return `byte ${j} of hash ${i}`;
    }
  }
  return undefined;
};

/** Every corruption of a valid inclusion proof that must fail, as transparency-dev's verify_test probes them, and byte flips. */
function expectInclusionTight(index: number, size: number, leaf: Hash, proof: Hash[], root: Hash, bytes = ALL_BYTES) {
  const v = (i: number, n: number, l: Hash, p: Hash[], r: Hash) => verifyInclusion(sha256, i, n, l, p, r);
  expect(v(index, size, leaf, proof, root)).toBe(true);
  for (const other of [index - 1, index + 1, index ^ 2, size]) expect(v(other, size, leaf, proof, root)).toBe(false);
  for (const other of [size - 1, size + 1, size * 2, Math.floor(size / 2)]) {
    expect(v(index, other, leaf, proof, root)).toBe(index < other && inclusionShape(index, other) === inclusionShape(index, size));
  }
  const some = sha256(Uint8Array.of(42));
  for (const bad of [[...proof, new Uint8Array(0)], [...proof, root], [new Uint8Array(0), ...proof], [root, ...proof], ...(proof.length > 0 ? [proof.slice(0, -1)] : []), proof.length > 1 ? [proof[0]!, some, ...proof.slice(1)] : [some]]) {
    expect(v(index, size, leaf, bad, root)).toBe(false);
  }
  expect(v(index, size, leaf, proof, EMPTY_ROOT(sha256))).toBe(false);
  expect(flipEachByte(proof, bytes, (p) => v(index, size, leaf, p, root))).toBeUndefined();
  expect(flipEachByte([leaf, root], bytes, ([l, r]) => v(index, size, l!, proof, r!))).toBeUndefined();
}

function expectConsistencyTight(m: number, n: number, oldRoot: Hash, root: Hash, proof: Hash[], bytes = ALL_BYTES) {
  const v = (a: number, b: number, r1: Hash, r2: Hash, p: Hash[]) => verifyConsistency(sha256, a, b, r1, r2, p);
  expect(v(m, n, oldRoot, root, proof)).toBe(true);
  for (const [a, b] of [[m - 1, n], [m + 1, n], [m ^ 2, n], [m, n * 2], [m, Math.floor(n / 2)], [m, n - 1], [m, n + 1]] as const) {
    if (a === m && b === n) continue;
    const indistinguishable = a > 0 && a < b && consistencyShape(a, b) === consistencyShape(m, n);
    expect(v(a, b, oldRoot, root, proof)).toBe(indistinguishable);
  }
  expect(v(m, n, root, oldRoot, proof)).toBe(false);
  for (const bad of [[], [...proof, new Uint8Array(0)], [...proof, oldRoot], [...proof, root], [oldRoot, ...proof], [root, ...proof], [proof[0]!, ...proof], proof.slice(0, -1)]) {
    expect(v(m, n, oldRoot, root, bad)).toBe(false);
  }
  expect(flipEachByte(proof, bytes, (p) => v(m, n, oldRoot, root, p))).toBeUndefined();
  expect(flipEachByte([oldRoot, root], bytes, ([a, b]) => v(m, n, a!, b!, proof))).toBeUndefined();
}

describe('RFC 6962 reference tree (transparency-dev/merkle vectors)', () => {
  const leaves = reference.leaves.map((d) => leafHash(sha256, hex(d)));
  const published: NodeReader = async (level, index) => hex(reference.nodeHashes[level]![index]!);

  it('hashes leaves and nodes as RFC 6962 does, and the empty tree is SHA-256 of nothing', () => {
    expect(toHex(leaves)).toEqual(reference.nodeHashes[0]);
    expect(toHex([nodeHash(sha256, leaves[0]!, leaves[1]!)])).toEqual([reference.nodeHashes[1]![0]]);
    expect(toHex([EMPTY_ROOT(sha256)])).toEqual([reference.roots[0]]);
  });

  it('has the published root for every size 0 to 8, from the published node hashes and from tiles', async () => {
    const { readTile } = await buildTiles(leaves, [3, 5]);
    for (let size = 0; size <= 8; size++) {
      expect(toHex([await treeRoot(sha256, size, published)])).toEqual([reference.roots[size]]);
      expect(toHex([await treeRoot(sha256, size, tileReader(sha256, size, readTile))])).toEqual([reference.roots[size]]);
    }
  });

  it('gives the published inclusion proofs, and they verify, and no corruption of them does', async () => {
    for (const { index, size, proof } of reference.inclusion) {
      expect(toHex(await inclusionProof(sha256, index, size, published))).toEqual(proof);
      expectInclusionTight(index, size, leaves[index]!, proof.map(hex), hex(reference.roots[size]!));
    }
  });

  it('gives the published consistency proofs, and they verify, and no corruption of them does', async () => {
    for (const { oldSize, size, proof } of reference.consistency) {
      expect(toHex(await consistencyProof(sha256, oldSize, size, published))).toEqual(proof);
      if (oldSize !== size) expectConsistencyTight(oldSize, size, hex(reference.roots[oldSize]!), hex(reference.roots[size]!), proof.map(hex));
    }
  });

  it('gives the naive PATH and PROOF for every index and pair of sizes up to 8', async () => {
    for (let n = 1; n <= 8; n++) {
      const root = hex(reference.roots[n]!);
      for (let m = 0; m < n; m++) {
        const proof = await inclusionProof(sha256, m, n, published);
        expect(toHex(proof)).toEqual(toHex(path(m, leaves.slice(0, n))));
        expect(verifyInclusion(sha256, m, n, leaves[m]!, proof, root)).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const proof = await consistencyProof(sha256, m, n, published);
        expect(toHex(proof)).toEqual(m === n ? [] : toHex(subproof(m, leaves.slice(0, n), true)));
        expect(verifyConsistency(sha256, m, n, hex(reference.roots[m]!), root, proof)).toBe(true);
      }
    }
  });
});

describe('a real Certificate Transparency log (Argon 2020, golang/mod tlog testdata)', () => {
  const root = b64(argon.sth.sha256_root_hash);
  const leaf = leafHash(sha256, b64(argon.entry.leaf_input));
  it('verifies its inclusion proof of entry 10,000 in 961,984,013 leaves', () => {
    expectInclusionTight(argon.entry.leaf_index, argon.sth.tree_size, leaf, argon.audit_path.map(b64), root, [0, 13, 31]);
  });
  it('verifies its consistency proof from 3,654,490 leaves', () => {
    expectConsistencyTight(argon.oldTree.tree_size, argon.sth.tree_size, b64(argon.oldTree.sha256_root_hash), root, argon.consistency.map(b64), [0, 13, 31]);
  });
});

describe('refusals', () => {
  const x = sha256(Uint8Array.of(1));
  const y = sha256(Uint8Array.of(2));
  const empty = EMPTY_ROOT(sha256);
  it('consistency edge cases: equal sizes need equal roots and no proof; from 0 only the empty root and no proof', () => {
    const cases: [number, number, Hash, Hash, Hash[], boolean][] = [
      [0, 0, empty, empty, [], true],
      [0, 0, x, x, [], false], // the tree of size 0 has one root
      [0, 0, empty, empty, [empty], false],
      [0, 5, empty, y, [], true],
      [0, 5, x, y, [], false],
      [0, 5, empty, y, [empty], false],
      [3, 3, x, x, [], true],
      [3, 3, x, y, [], false],
      [3, 3, x, x, [x], false],
      [1, 0, x, y, [], false],
      [2, 1, x, y, [], false],
      [1, 2, x, y, [], false],
    ];
    for (const [m, n, r1, r2, p, ok] of cases) expect([m, n, verifyConsistency(sha256, m, n, r1, r2, p)]).toEqual([m, n, ok]);
  });

  it('never throws on malformed input, and says false', () => {
    const junk: unknown[] = [-1, 1.5, NaN, Infinity, 2 ** 53, '3', null, undefined, {}];
    const anyV = verifyInclusion as (...a: unknown[]) => boolean;
    const anyC = verifyConsistency as (...a: unknown[]) => boolean;
    for (const bad of junk) {
      expect(anyV(sha256, bad, 4, x, [y, y], y)).toBe(false);
      expect(anyV(sha256, 0, bad, x, [y, y], y)).toBe(false);
      expect(anyV(sha256, 0, 4, bad, [y, y], y)).toBe(false);
      expect(anyV(sha256, 0, 4, x, bad, y)).toBe(false);
      expect(anyV(sha256, 0, 4, x, [y, bad], y)).toBe(false);
      expect(anyV(sha256, 0, 4, x, [y, y], bad)).toBe(false);
      expect(anyC(sha256, bad, 4, x, y, [y])).toBe(false);
      expect(anyC(sha256, 2, bad, x, y, [y])).toBe(false);
      expect(anyC(sha256, 2, 4, bad, y, [y])).toBe(false);
      expect(anyC(sha256, 2, 4, x, bad, [y])).toBe(false);
      expect(anyC(sha256, 2, 4, x, y, bad)).toBe(false);
      expect(anyC(sha256, 2, 4, x, y, [bad])).toBe(false);
    }
    expect(verifyInclusion(sha256, 0, 1, x, [], x.subarray(0, 31))).toBe(false);
    expect(verifyInclusion(sha256, 0, 0, x, [], x)).toBe(false);
    expect(verifyInclusion(sha256, 4, 4, x, [y, y], y)).toBe(false);
    expect(verifyInclusion(sha256, 0, 2 ** 53 - 1, x, Array(200).fill(y), y)).toBe(false);
  });

  it('refuses to prove what is not there', async () => {
    const read = naiveReader(leafHashes(4));
    await expect(inclusionProof(sha256, 4, 4, read)).rejects.toThrow(RangeError);
    await expect(inclusionProof(sha256, 0, 0, read)).rejects.toThrow(RangeError);
    await expect(inclusionProof(sha256, -1, 4, read)).rejects.toThrow(RangeError);
    await expect(consistencyProof(sha256, 5, 4, read)).rejects.toThrow(RangeError);
    await expect(consistencyProof(sha256, 1.5, 4, read)).rejects.toThrow(RangeError);
    await expect(treeRoot(sha256, -1, read)).rejects.toThrow(RangeError);
    expect(await consistencyProof(sha256, 0, 4, read)).toEqual([]);
    await expect(treeRoot(sha256, 2, async () => new Uint8Array(31))).rejects.toThrow(/32 bytes/);
  });
});

describe('properties over tiles built in random batches', () => {
  const batchesOf = (n: number, cuts: number[]) => {
    const points = [...new Set(cuts.map((c) => c % (n + 1)))].sort((a, b) => a - b);
    return [...points, n].map((p, i, all) => p - (i === 0 ? 0 : all[i - 1]!)).filter((b) => b > 0);
  };
  const arbitrary = fc
    .integer({ min: 1, max: 1100 })
    .chain((n) => fc.record({ n: fc.constant(n), m: fc.integer({ min: 1, max: n }), index: fc.nat(n - 1), cuts: fc.array(fc.nat(n), { maxLength: 6 }), seed: fc.nat(), byte: fc.nat(31) }));

  it('the root is the naive MTH, tiles hold the naive subtree hashes, and every proof verifies tightly', async () => {
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ n, m, index, cuts, seed, byte }) => {
        const leaves = leafHashes(n, seed);
        const { store, readTile } = await buildTiles(leaves, batchesOf(n, cuts));
        const whole = await buildTiles(leaves, [n]);
        expect([...store.keys()].sort()).toEqual([...whole.store.keys()].sort());
        for (const [key, tile] of whole.store) expect(toHex([store.get(key)!.hashes])).toEqual(toHex([tile.hashes]));
        for (const tile of store.values()) {
          const span = 256 ** tile.level;
          const first = tile.index * 256 * span;
          const naive = Array.from({ length: tile.hashes.length / 32 }, (_, i) => mth(leaves.slice(first + i * span, first + (i + 1) * span)));
          expect(toHex([tile.hashes])).toEqual(toHex([Buffer.concat(naive)]));
        }

        const readN = tileReader(sha256, n, readTile);
        const readM = tileReader(sha256, m, readTile);
        const root = await treeRoot(sha256, n, readN);
        const oldRoot = await treeRoot(sha256, m, readM);
        expect(toHex([root, oldRoot])).toEqual(toHex([mth(leaves), mth(leaves.slice(0, m))]));

        const inclusion = await inclusionProof(sha256, index, n, readN);
        expect(toHex(inclusion)).toEqual(toHex(path(index, leaves)));
        expectInclusionTight(index, n, leaves[index]!, inclusion, root, [byte]);
        if (index < m) expect(verifyInclusion(sha256, index, m, leaves[index]!, await inclusionProof(sha256, index, m, readM), oldRoot)).toBe(true);

        const consistency = await consistencyProof(sha256, m, n, readN);
        expect(verifyConsistency(sha256, m, n, oldRoot, root, consistency)).toBe(true);
        if (m < n) {
          expect(toHex(consistency)).toEqual(toHex(subproof(m, leaves, true)));
          expectConsistencyTight(m, n, oldRoot, root, consistency, [byte]);
        }
      }),
      {
        numRuns: 30,
        // Tile boundaries, always: a full level-0 tile, one past it, a level-1 tile with two full entries.
        examples: [
          [{ n: 256, m: 255, index: 255, cuts: [128], seed: 1, byte: 0 }],
          [{ n: 513, m: 256, index: 256, cuts: [255, 256, 257], seed: 2, byte: 31 }],
          [{ n: 1100, m: 1024, index: 1023, cuts: [1, 700], seed: 3, byte: 7 }],
        ],
      },
    );
  });

  it('every inclusion proof and every consistency proof of a 300-leaf tree (two level-0 tiles) verifies', async () => {
    const n = 300;
    const leaves = leafHashes(n, 5);
    const { readTile } = await buildTiles(leaves, [100, 156, 1, 43]);
    const read = tileReader(sha256, n, readTile);
    const root = await treeRoot(sha256, n, read);
    const failed: string[] = [];
    for (let m = 0; m < n; m++) {
      if (!verifyInclusion(sha256, m, n, leaves[m]!, await inclusionProof(sha256, m, n, read), root)) failed.push(`inclusion ${m}`);
      const oldRoot = await treeRoot(sha256, m, tileReader(sha256, m, readTile));
      if (!verifyConsistency(sha256, m, n, oldRoot, root, await consistencyProof(sha256, m, n, read))) failed.push(`consistency ${m}`);
    }
    expect(failed).toEqual([]);
  });

  it('across 65,536 leaves (level-2 tiles): roots, proofs and batches agree with the naive tree', async () => {
    const n = 70_000;
    // Any 32 bytes will do as leaf hashes here, and hashing 70,000 entries would be most of the test.
    const leaves = Array.from({ length: n }, (_, i) => new Uint8Array(32).fill(i % 251, 0, 16).fill(Math.floor(i / 251) % 251, 16));
    const memo = new Map<string, Hash>();
    const { readTile } = await buildTiles(leaves, [1, 65_534, 1, 2, 4_000, 462]);
    const read = tileReader(sha256, n, readTile);
    const root = await treeRoot(sha256, n, read);
    expect(toHex([root])).toEqual(toHex([mth(leaves, 0, n, memo)]));
    for (const index of [0, 255, 256, 65_535, 65_536, 69_999]) {
      const proof = await inclusionProof(sha256, index, n, read);
      expect(verifyInclusion(sha256, index, n, leaves[index]!, proof, root)).toBe(true);
      expect(verifyInclusion(sha256, index, n, leaves[index ^ 1]!, proof, root)).toBe(false);
    }
    for (const m of [1, 256, 65_535, 65_536, 65_537, 69_999]) {
      const oldRoot = await treeRoot(sha256, m, tileReader(sha256, m, readTile));
      expect(toHex([oldRoot])).toEqual(toHex([mth(leaves, 0, m, memo)]));
      const proof = await consistencyProof(sha256, m, n, read);
      expect(verifyConsistency(sha256, m, n, oldRoot, root, proof)).toBe(true);
      expect(verifyConsistency(sha256, m, n, root, oldRoot, proof)).toBe(false);
    }
  });
});
