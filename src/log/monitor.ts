/**
 * The checks of a log monitor (`ordo log monitor`): one round reads a log's latest checkpoint
 * and proves, from the log's tiles alone, that it extends the last checkpoint the monitor saw.
 *
 * - The checkpoint must verify with the pinned log key (never one the log hands out), whose name
 *   is the origin; a cosignature line of a witness key the monitor was given must verify too.
 * - A smaller size than seen is a rollback; the same size with another root is a fork.
 * - With the tiles of the new size, the monitor recomputes the root of the size it saw (which
 *   must be the root it stored: otherwise the log rewrote history, a fork) and the root of the
 *   new size (which must be the checkpoint's). The log's own consistency proof endpoint is asked
 *   too, and its proof must verify: clients that trust it must not be shown another tree.
 * - Every entry bundle that grew (all of them on the first round) is read whole, and each entry
 *   must hash (RFC 9162 leaf hash) to its level-0 tile hash: an entry rewritten where the log
 *   keeps it is a mismatch, even where the tiles still hold the old hash.
 *
 * Runtime-neutral: the HTTP fetch is injected. A read that fails (network, HTTP status) throws;
 * what the log served that is wrong is a `MonitorProblem`.
 */
import type { CryptoSuite } from '../crypto/suite/types.js';
import { formatHash, openCheckpoint, parseHash, type Checkpoint } from './checkpoint.js';
import { leafHash, treeRoot, verifyConsistency, type Hasher } from './merkle.js';
import { bytesEqual, decodeBase64, type NoteVerifier } from './note.js';
import { decodeEntryBundle, tilePath, tileReader, tileWidth, TILE_WIDTH, type Tile } from './tiles.js';

/** What a monitor saw last: the checkpoint it accepted, and the key it was pinned to. */
export type MonitorState = { readonly origin: string; readonly vkey: string; readonly size: number; readonly root: Uint8Array; readonly note: string };

/**
 * GET of a path below the log's base URL ("log/checkpoint", "log/tile/0/000.p/5", …); resolves
 * to the body of a 200 and throws for anything else.
 */
export type LogFetch = (path: string) => Promise<Uint8Array>;

export type MonitorOptions = {
  readonly suite: CryptoSuite;
  /** The pinned log key (type 0x01), with its vkey as the state records it. */
  readonly log: NoteVerifier;
  readonly vkey: string;
  /** Witness keys (type 0x04) whose cosignature lines are checked when present. */
  readonly witnesses?: readonly NoteVerifier[];
  readonly fetch: LogFetch;
};

export type MonitorProblemKind = 'signature' | 'origin' | 'malformed' | 'rollback' | 'fork' | 'mismatch';
export type MonitorProblem = { readonly ok: false; readonly problem: MonitorProblemKind; readonly message: string };
export type MonitorRound = {
  readonly ok: true;
  /** Whether the checkpoint is new (a new size, or the first one seen). */
  readonly changed: boolean;
  readonly checkpoint: Checkpoint;
  readonly previous?: { readonly size: number; readonly root: Uint8Array };
  /** Entries read and checked against the level-0 tiles this round. */
  readonly entriesChecked: number;
  /** Names of the given witnesses whose cosignatures verified. */
  readonly cosignedBy: readonly string[];
  /** The state to store: unchanged when nothing is new. */
  readonly state: MonitorState;
};

const problem = (kind: MonitorProblemKind, message: string): MonitorProblem => ({ ok: false, problem: kind, message });
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });


/** Thrown inside a round for a tile or bundle of the wrong shape; returned as a problem. */
class Served extends Error {}

/** The tiles of the tree of `size` leaves over HTTP, each read once, each of exactly its width. */
function tilesOver(fetch: LogFetch, size: number) {
  const cache = new Map<string, Promise<Tile | undefined>>();
  return (level: number, index: number): Promise<Tile | undefined> => {
    const key = `${level}/${index}`;
    let tile = cache.get(key);
    if (!tile) {
      const width = tileWidth(size, level, index);
      tile = !width ? Promise.resolve(undefined) : fetch(`log/${tilePath(level, index, width)}`).then((hashes) => {
        if (hashes.length !== width * 32) throw new Served(`log/${tilePath(level, index, width)} holds ${hashes.length} bytes, not ${width * 32}`);
        return { level, index, hashes };
      });
      cache.set(key, tile);
    }
    return tile;
  };
}

/** The consistency proof the log serves from `from` to `size` (JSON, hashes in standard base64). */
async function servedProof(fetch: LogFetch, from: number, size: number): Promise<Uint8Array[] | undefined> {
  const json = JSON.parse(decoder.decode(await fetch(`log/proof/consistency?from=${from}&size=${size}`))) as { proof?: unknown };
  if (!Array.isArray(json?.proof)) return undefined;
  const proof = json.proof.map((p) => (typeof p === 'string' ? parseHash(p) : undefined));
  return proof.every((p) => p !== undefined) ? (proof as Uint8Array[]) : undefined;
}

/**
 * Checks the entries of the bundles covering leaves [from, size) against the level-0 tiles, each
 * bundle whole; the number of entries checked, or a problem.
 */
async function checkEntries(h: Hasher, o: MonitorOptions, tiles: ReturnType<typeof tilesOver>, from: number, size: number): Promise<number | MonitorProblem> {
  let checked = 0;
  for (let b = Math.floor(from / TILE_WIDTH); b * TILE_WIDTH < size; b++) {
    const width = Math.min(TILE_WIDTH, size - b * TILE_WIDTH);
    const path = `log/${tilePath('entries', b, width)}`;
    const entries = decodeEntryBundle(await o.fetch(path));
    if (entries?.length !== width) return problem('malformed', `${path} does not hold ${width} entries`);
    const tile = (await tiles(0, b))!;
    for (let i = 0; i < width; i++) {
      const leaf = b * TILE_WIDTH + i;
      if (!bytesEqual(leafHash(h, entries[i]!), tile.hashes.subarray(i * 32, (i + 1) * 32))) {
        return problem('mismatch', `leaf ${leaf} (entry ${i} of ${path}) does not hash to its tile hash: the entry was changed after it was logged`);
      }
    }
    checked += width;
  }
  return checked;
}

/**
 * One round: reads the checkpoint, checks it against `seen` (undefined on the first round) and
 * the tiles, and returns the state to store, or the problem found. Throws when a read fails, and
 * when `seen` was stored for another key or origin (a usage error, not the log's).
 */
export async function monitorRound(o: MonitorOptions, seen: MonitorState | undefined): Promise<MonitorRound | MonitorProblem> {
  if (seen && (seen.vkey !== o.vkey || seen.origin !== o.log.name)) throw new Error(`the state follows ${seen.vkey}, not ${o.vkey}`);
  const h: Hasher = (data) => o.suite.sha256(data);
  const body = await o.fetch('log/checkpoint');
  let note: string;
  try {
    note = decoder.decode(body);
  } catch {
    return problem('malformed', 'the checkpoint is not UTF-8');
  }
  const opened = await openCheckpoint(o.suite, note, [o.log, ...(o.witnesses ?? [])], o.log.name);
  if (!opened.ok) {
    if (opened.reason === 'origin') return problem('origin', `the checkpoint's origin is ${opened.detail}, not ${o.log.name} (the key's name)`);
    if (opened.reason === 'bad-signature') return problem('signature', `a signature of ${opened.detail} on the checkpoint does not verify`);
    if (opened.reason === 'unverified') return problem('signature', `the checkpoint is not signed by ${o.vkey}`);
    return problem('malformed', `the checkpoint is not a signed checkpoint (${opened.reason})`);
  }
  // openNote is content with any trusted key: the log's own must be among them.
  if (!opened.verified.some((k) => k.name === o.log.name && bytesEqual(k.keyId, o.log.keyId))) return problem('signature', `the checkpoint is not signed by ${o.vkey}`);
  const c = opened.checkpoint;
  const cosignedBy = opened.verified.filter((k) => k.type !== o.log.type).map((k) => k.name);

  if (seen && c.size < seen.size) return problem('rollback', `the log went back from size ${seen.size} to ${c.size}`);
  if (seen && c.size === seen.size) {
    if (bytesEqual(c.root, seen.root)) return { ok: true, changed: false, checkpoint: c, previous: seen, entriesChecked: 0, cosignedBy, state: seen };
    return problem('fork', `size ${c.size} now has root ${formatHash(c.root)}, not ${formatHash(seen.root)} as seen before`);
  }

  const tiles = tilesOver(o.fetch, c.size);
  try {
    const read = tileReader(h, c.size, tiles);
    const root = await treeRoot(h, c.size, read);
    if (!bytesEqual(root, c.root)) return problem('mismatch', `the tiles of size ${c.size} give root ${formatHash(root)}, not the checkpoint's ${formatHash(c.root)}`);
    if (seen) {
      const old = await treeRoot(h, seen.size, read);
      if (!bytesEqual(old, seen.root)) return problem('fork', `the tiles of size ${c.size} give size ${seen.size} the root ${formatHash(old)}, not ${formatHash(seen.root)} as seen before`);
      const proof = seen.size ? await servedProof(o.fetch, seen.size, c.size) : [];
      if (!proof || !verifyConsistency(h, seen.size, c.size, seen.root, c.root, proof)) {
        return problem('mismatch', `the log's consistency proof from size ${seen.size} to ${c.size} does not verify, though its tiles are consistent`);
      }
    }
    const checked = await checkEntries(h, o, tiles, seen?.size ?? 0, c.size);
    if (typeof checked !== 'number') return checked;
    return {
      ok: true, changed: true, checkpoint: c, entriesChecked: checked, cosignedBy,
      ...(seen && { previous: { size: seen.size, root: seen.root } }),
      state: { origin: c.origin, vkey: o.vkey, size: c.size, root: c.root, note },
    };
  } catch (err) {
    if (err instanceof Served) return problem('malformed', err.message);
    throw err;
  }
}

/** The state file's JSON: origin, vkey, size, root (standard base64), the checkpoint note. */
export const formatMonitorState = (s: MonitorState): string =>
  `${JSON.stringify({ origin: s.origin, vkey: s.vkey, size: s.size, root: formatHash(s.root), note: s.note }, null, 2)}\n`;

/** The state a state file holds, or undefined unless it has every member, well formed. */
export function parseMonitorState(json: string): MonitorState | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  const o = v as Record<string, unknown> | null;
  const root = typeof o?.root === 'string' ? decodeBase64(o.root) : undefined;
  if (!o || typeof o.origin !== 'string' || typeof o.vkey !== 'string' || typeof o.note !== 'string') return undefined;
  if (!Number.isSafeInteger(o.size) || (o.size as number) < 0 || root?.length !== 32) return undefined;
  return { origin: o.origin, vkey: o.vkey, size: o.size as number, root, note: o.note };
}
