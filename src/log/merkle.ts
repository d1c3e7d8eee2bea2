/**
 * The Merkle tree of the transparency log, as RFC 6962 / RFC 9162 §2.1 define it: tree hashes,
 * inclusion proofs (PATH) and consistency proofs (PROOF), and their verification.
 *
 * Proofs are computed from the hashes of complete subtrees only, which is all a tiled log stores
 * (src/log/tiles.ts): like golang.org/x/mod/sumdb/tlog (TreeHash, ProveRecord, ProveTree), each
 * proof element is the hash of a range of leaves, and a range is split into the complete
 * subtrees that cover it, largest first, then folded from the right. The nodes a proof needs are
 * listed first and read together, so a reader over tiles can fetch them in parallel.
 *
 * Sizes and indexes are JavaScript numbers, so trees hold up to 2^53 − 1 leaves; the arithmetic
 * never uses the 32-bit bitwise operators. Verification is synchronous and never throws: any
 * malformed input (a size that is not a safe non-negative integer, an index out of range, a hash
 * that is not 32 bytes, a proof of the wrong length) is simply a proof that does not verify.
 */

/** A SHA-256 hash: 32 bytes. */
export type Hash = Uint8Array;
/** SHA-256, synchronous (callers pass their suite's `sha256`). */
export type Hasher = (data: Uint8Array) => Uint8Array;
/**
 * Hash of the complete subtree at `level` (0 = leaf hashes) and `index`, covering leaves
 * [index·2^level, (index+1)·2^level).
 */
export type NodeReader = (level: number, index: number) => Promise<Hash>;

const HASH_SIZE = 32;

/** MTH of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1). */
export const EMPTY_ROOT = (h: Hasher): Hash => h(new Uint8Array(0));

/** SHA-256(0x00 ‖ data): the hash of a leaf (RFC 9162 §2.1.1). */
export function leafHash(h: Hasher, data: Uint8Array): Hash {
  const input = new Uint8Array(1 + data.length);
  input.set(data, 1);
  return h(input);
}

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node (RFC 9162 §2.1.1). */
export function nodeHash(h: Hasher, left: Hash, right: Hash): Hash {
  const input = new Uint8Array(1 + 2 * HASH_SIZE);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + HASH_SIZE);
  return h(input);
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isHash = (x: unknown): x is Hash => x instanceof Uint8Array && x.length === HASH_SIZE;
const isProof = (p: unknown): p is Hash[] => Array.isArray(p) && p.every(isHash);

function sameHash(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The RFC's split point k: the largest power of 2 strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A range of leaves [lo, hi) whose MTH is one element of a proof. */
type Span = readonly [lo: number, hi: number];
type Node = { level: number; index: number };

/**
 * The complete subtrees covering [lo, hi), left to right, largest first. Every span a proof
 * uses starts at a multiple of the first subtree's width, so each of them is aligned.
 */
function spanNodes([lo, hi]: Span): Node[] {
  const nodes: Node[] = [];
  for (let at = lo; at < hi; ) {
    let width = 1;
    let level = 0;
    while (width * 2 <= hi - at) {
      width *= 2;
      level++;
    }
    if (at % width !== 0) throw new Error(`merkle: unaligned span [${lo}, ${hi})`);
    nodes.push({ level, index: at / width });
    at += width;
  }
  return nodes;
}

/** Reads every node the spans need at once, then folds each span's nodes from the right. */
async function spanHashes(h: Hasher, spans: Span[], read: NodeReader): Promise<Hash[]> {
  const perSpan = spans.map(spanNodes);
  const hashes = await Promise.all(perSpan.flat().map(async ({ level, index }) => {
    const hash: unknown = await read(level, index);
    if (!isHash(hash)) throw new Error(`merkle: the reader gave node (${level}, ${index}) as something other than 32 bytes`);
    return hash;
  }));
  let at = 0;
  return perSpan.map((nodes) => {
    const part = hashes.slice(at, (at += nodes.length));
    let acc = part[part.length - 1]!;
    for (let i = part.length - 2; i >= 0; i--) acc = nodeHash(h, part[i]!, acc);
    return acc;
  });
}

/** RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]) as spans, deepest first. */
function inclusionSpans(lo: number, hi: number, m: number, out: Span[]): Span[] {
  if (hi - lo === 1) return out;
  const k = split(hi - lo);
  if (m < lo + k) {
    inclusionSpans(lo, lo + k, m, out);
    out.push([lo + k, hi]);
  } else {
    inclusionSpans(lo + k, hi, m, out);
    out.push([lo, lo + k]);
  }
  return out;
}

/**
 * RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], lo = 0) as spans, deepest first: `m` is the old size
 * (absolute), and `lo = 0` stands for the RFC's flag b (the subtree is the old tree itself).
 */
function consistencySpans(lo: number, hi: number, m: number, out: Span[]): Span[] {
  if (m === hi) {
    if (lo !== 0) out.push([lo, hi]);
    return out;
  }
  const k = split(hi - lo);
  if (m <= lo + k) {
    consistencySpans(lo, lo + k, m, out);
    out.push([lo + k, hi]);
  } else {
    consistencySpans(lo + k, hi, m, out);
    out.push([lo, lo + k]);
  }
  return out;
}

/** RFC 9162 MTH(D[size]), from the complete subtrees `read` gives; EMPTY_ROOT for size 0. */
export async function treeRoot(h: Hasher, size: number, read: NodeReader): Promise<Hash> {
  if (!isCount(size)) throw new RangeError(`merkle: tree size ${size} is not a safe non-negative integer`);
  if (size === 0) return EMPTY_ROOT(h);
  const [root] = await spanHashes(h, [[0, size]], read);
  return root!;
}

/** RFC 9162 §2.1.3.1 PATH(index, D[size]): the inclusion proof of leaf `index`, leaf upwards. */
export async function inclusionProof(h: Hasher, index: number, size: number, read: NodeReader): Promise<Hash[]> {
  if (!isCount(size) || !isCount(index) || index >= size) {
    throw new RangeError(`merkle: no leaf ${index} in a tree of ${size} leaves`);
  }
  return spanHashes(h, inclusionSpans(0, size, index, []), read);
}

/**
 * RFC 9162 §2.1.4.1 PROOF(oldSize, D[size]): the consistency proof from the tree of `oldSize`
 * leaves to the tree of `size`. Empty when oldSize = size, and when oldSize = 0 (the empty tree
 * is a prefix of every tree; RFC 9162 defines PROOF for 0 < m only, and this is what
 * transparency-dev/merkle's VerifyConsistency expects then).
 */
export async function consistencyProof(h: Hasher, oldSize: number, size: number, read: NodeReader): Promise<Hash[]> {
  if (!isCount(size) || !isCount(oldSize) || oldSize > size) {
    throw new RangeError(`merkle: no consistency proof from ${oldSize} to ${size} leaves`);
  }
  if (oldSize === 0 || oldSize === size) return [];
  return spanHashes(h, consistencySpans(0, size, oldSize, []), read);
}

/**
 * The root that `proof` implies for D[lo:hi] holding `leaf` at `m`, using proof[0..end) (the
 * last element is the sibling at this height); undefined if the proof has too few or too many
 * elements. Go tlog's runRecordProof.
 */
function runInclusion(h: Hasher, proof: Hash[], end: number, lo: number, hi: number, m: number, leaf: Hash): Hash | undefined {
  if (hi - lo === 1) return end === 0 ? leaf : undefined;
  if (end === 0) return undefined;
  const k = split(hi - lo);
  const sibling = proof[end - 1]!;
  if (m < lo + k) {
    const left = runInclusion(h, proof, end - 1, lo, lo + k, m, leaf);
    return left && nodeHash(h, left, sibling);
  }
  const right = runInclusion(h, proof, end - 1, lo + k, hi, m, leaf);
  return right && nodeHash(h, sibling, right);
}

/**
 * Whether `proof` shows that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves
 * whose root is `root` (RFC 9162 §2.1.3.2). False, never a throw, for any malformed input.
 */
export function verifyInclusion(h: Hasher, index: number, size: number, leaf: Hash, proof: Hash[], root: Hash): boolean {
  if (!isCount(size) || !isCount(index) || index >= size) return false;
  if (!isHash(leaf) || !isHash(root) || !isProof(proof)) return false;
  const implied = runInclusion(h, proof, proof.length, 0, size, index, leaf);
  return implied !== undefined && sameHash(implied, root);
}

/**
 * The roots of the old tree (m leaves) and of D[lo:hi] that proof[0..end) implies, or undefined
 * if it has too few or too many elements. Go tlog's runTreeProof.
 */
function runConsistency(h: Hasher, proof: Hash[], end: number, lo: number, hi: number, m: number, oldRoot: Hash): [Hash, Hash] | undefined {
  if (m === hi) {
    // Common ground: the old tree itself (its root is known), or a complete subtree of it.
    if (lo === 0) return end === 0 ? [oldRoot, oldRoot] : undefined;
    return end === 1 ? [proof[0]!, proof[0]!] : undefined;
  }
  if (end === 0) return undefined;
  const k = split(hi - lo);
  const sibling = proof[end - 1]!;
  if (m <= lo + k) {
    const left = runConsistency(h, proof, end - 1, lo, lo + k, m, oldRoot);
    return left && [left[0], nodeHash(h, left[1], sibling)];
  }
  const right = runConsistency(h, proof, end - 1, lo + k, hi, m, oldRoot);
  return right && [nodeHash(h, sibling, right[0]), nodeHash(h, sibling, right[1])];
}

/**
 * Whether `proof` shows that the tree of `oldSize` leaves with root `oldRoot` is a prefix of the
 * tree of `size` leaves with root `root` (RFC 9162 §2.1.4.2). oldSize = size needs an empty proof
 * and equal roots; oldSize = 0 needs an empty proof and oldRoot = EMPTY_ROOT (stricter than
 * transparency-dev/merkle, which ignores the old root then). False, never a throw, for any
 * malformed input, oldSize > size included.
 */
export function verifyConsistency(h: Hasher, oldSize: number, size: number, oldRoot: Hash, root: Hash, proof: Hash[]): boolean {
  if (!isCount(size) || !isCount(oldSize) || oldSize > size) return false;
  if (!isHash(oldRoot) || !isHash(root) || !isProof(proof)) return false;
  if (oldSize === size) return proof.length === 0 && sameHash(oldRoot, root) && (size > 0 || sameHash(root, EMPTY_ROOT(h)));
  if (oldSize === 0) return proof.length === 0 && sameHash(oldRoot, EMPTY_ROOT(h));
  const implied = runConsistency(h, proof, proof.length, 0, size, oldSize, oldRoot);
  return implied !== undefined && sameHash(implied[0], oldRoot) && sameHash(implied[1], root);
}
