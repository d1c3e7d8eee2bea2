/**
 * The storage seam. One implementation per driver (better-sqlite3 now, D1 later); the app only
 * sees this interface. Every state change goes through `commit`, one atomic batch.
 */
import type { actorKeys, actors } from './schema.js';
import type { DispensationRow, EventRow, NewEvent, PrescriptionRow } from './codec.js';

export type ActorRow = typeof actors.$inferSelect;
export type KeyRow = typeof actorKeys.$inferSelect;
/** A key to insert: the certificate columns (validFrom, validUntil, x5c, cas) default to null, a key a registrar sends. */
export type NewKeyRow = typeof actorKeys.$inferInsert;
export type { DispensationRow, EventRow, NewEvent, PrescriptionRow } from './codec.js';

export type TokenUse = { iss: string; jti: string; expiresAt: number };

/** The kept revocation list of a CA (table `crls`). */
export type CrlRow = { ca: string; thisUpdate: string; nextUpdate: string | null; der: Uint8Array; loadedAt: string };
/** A certified key's enrolment: its actor when new, the key, each certificate of its path but the top one, the request token. */
export type Enrolment = { actor?: ActorRow; key: KeyRow; certificates: { ca: string; serial: string }[]; token: TokenUse };
export type CrlDates = Pick<CrlRow, 'ca' | 'thisUpdate' | 'nextUpdate'>;
/** What loading a CRL did: whether it is the kept one now, and the keys whose revokedAt it set or moved earlier. */
export type CrlLoad = { kept: boolean; revokedKeys: { actorId: string; kid: string; revokedAt: string }[] };

/** The mutable columns of a prescription, all written by every transition. */
export type PrescriptionState = Pick<
  PrescriptionRow,
  'status' | 'version' | 'headHash' | 'codeVersion' | 'tokenKeyId' | 'progress' | 'claimId' | 'claimPharmacy' | 'claimExpiresAt' | 'claimTtl' | 'cancelReason' | 'updatedAt'
>;

/**
 * One transition, applied all or nothing: the conditional update (or the insert) of the
 * prescription, its new events at indexes expectedVersion + 1 …, the request token that
 * authorised it, and what else the step records.
 */
export type Transition = {
  prescription: { insert: PrescriptionRow } | { id: string; expectedVersion: number; set: PrescriptionState };
  events: NewEvent[];
  token?: TokenUse;
  dispensation?: DispensationRow;
  /** Re-sealed proofs (code rotation): same event, new ciphertext. */
  reseal?: Reseal[];
  /** Re-sealed terms (code rotation). */
  terms?: string;
};

/** A signed document sealed again (code rotation): same event, new ciphertext. */
export type Reseal = { idx: number; doc: 'rx' | 'dispense'; proof: string };

/** Why a commit was refused; nothing was written. */
export class CommitConflict extends Error {
  constructor(readonly on: 'version' | 'token' | 'document' | 'dispensation') {
    super(`commit refused: ${on} already taken`);
    this.name = 'CommitConflict';
  }
}

/** Ids of Ordo's own keys: token key ids (`tokenKeyId`) and receipt key ids (`kid`). */
export type KeyIds = { token: string[]; signing: string[] };

export type ListQuery = { prescriberId: string; status?: PrescriptionRow['status']; after?: { issuedAt: string; id: string }; limit: number };

/** A pharmacy's held prescriptions (GET /v1/claims): after the cursor's (claim expiry, id), soonest expiry first. */
export type HeldQuery = { pharmacyId: string; after?: { claimExpiresAt: number; id: string }; limit: number };
/** A held prescription, and when its claim opened (the `at` of the claim's first `claimed` event). */
export type HeldRow = { row: PrescriptionRow; claimedAt: string };

export interface Store {
  getActor(id: string): Promise<ActorRow | undefined>;
  getActorKeys(id: string): Promise<KeyRow[]>;
  /** The key (`iss`, `kid`) with its actor, in one read. */
  getSigningKey(actorId: string, kid: string): Promise<{ actor: ActorRow; key: KeyRow } | undefined>;
  /** Throws CommitConflict('document') when the id or a kid is taken. */
  insertActor(actor: ActorRow, keys: NewKeyRow[]): Promise<void>;
  insertKey(key: NewKeyRow): Promise<void>;
  revokeKey(actorId: string, kid: string, at: string): Promise<void>;
  setActorStatus(id: string, status: ActorRow['status']): Promise<void>;
  /**
   * Atomic: the actor (when new), its key, the key's certificates and the request token, or nothing.
   * Throws CommitConflict('token') when the token was used (checked first), CommitConflict('document')
   * when the actor id (for a new actor) or the kid is taken, or when `actor` is omitted and none exists.
   */
  enrol(e: Enrolment): Promise<void>;
  /**
   * Atomic: keeps `crl` as its CA's newest unless one with a later or equal thisUpdate is kept
   * (that one then stays), and revokes every key with a certificate (crl.ca, serial) among
   * `revoked` at min(its revokedAt, at), whether `crl` is kept or not. `kept` is true also when
   * the very CRL (the same DER) was kept already: a retried load. Matches 500 serials a statement.
   */
  loadCrl(crl: CrlRow, revoked: { serial: string; at: string }[]): Promise<CrlLoad>;
  /** The kept CRL of each of these CAs (all CAs when omitted), by CA id. */
  getCrls(cas?: string[]): Promise<CrlRow[]>;
  /** The dates of every CA's kept CRL, without the lists (read often: each certified key's check). */
  crlDates(): Promise<CrlDates[]>;

  getPrescription(id: string): Promise<PrescriptionRow | undefined>;
  getPrescriptionByDocument(prescriberId: string, docJti: string): Promise<PrescriptionRow | undefined>;
  /** Who opened a claim, and on which prescription (also once the claim has ended). */
  getClaim(claimId: string): Promise<{ prescriptionId: string; pharmacyId: string } | undefined>;
  listPrescriptions(q: ListQuery): Promise<PrescriptionRow[]>;
  /** The prescriptions whose open claim is the pharmacy's (`claim_pharmacy` = it, `claim_id` set), by claim expiry then id. */
  listHeld(q: HeldQuery): Promise<HeldRow[]>;
  getEvents(prescriptionId: string): Promise<EventRow[]>;
  getEvent(prescriptionId: string, idx: number): Promise<EventRow | undefined>;
  getDispensation(pharmacyId: string, jti: string): Promise<DispensationRow | undefined>;
  /** Prescriptions still open whose validity or claim has run out by `now` (for the sweep). */
  listDue(now: number, limit: number): Promise<PrescriptionRow[]>;

  /** Applies a transition atomically, or throws CommitConflict and writes nothing. */
  commit(t: Transition): Promise<void>;
  /** Records a read route's token; throws CommitConflict('token') on a replay. */
  useToken(t: TokenUse): Promise<void>;
  /** Drops replay records whose token can no longer be accepted anyway. */
  purgeTokens(now: number): Promise<number>;

  /** A bucket's counts of failed code attempts in `window` and the one before it (0 when none), in one read. */
  failedAttempts(client: string, window: number): Promise<{ current: number; previous: number }>;
  /**
   * Adds one failed attempt to a bucket's window and returns its count with it, in one statement:
   * two processes adding at once get two different counts, so a limit decided on the count holds.
   */
  addFailedAttempt(client: string, window: number): Promise<number>;
  /** Up to `limit` prescriptions whose terms are still in clear (written before they were sealed). */
  clearTerms(limit: number): Promise<PrescriptionRow[]>;
  /** Replaces clear terms by their sealed form, if they are still `clear`; false if not. */
  sealTerms(id: string, clear: string, sealed: string): Promise<boolean>;
  /** Packs the rows of up to `limit` prescriptions written before packing (store/pack-old-rows.ts); returns how many. */
  packOldRows(limit: number): Promise<number>;
  /** Drops attempt counters of windows before `window`. */
  purgeAttempts(window: number): Promise<number>;

  /**
   * The ids of the token keys that sealed this database and of the receipt keys that signed in
   * it: those recorded, else (a database from before they were) those its rows name. The
   * entries compare them with their keys at start (src/keys-config.ts).
   */
  recordedKeys(): Promise<KeyIds>;
  /** Records the ids not recorded yet (writes nothing when every one is). */
  recordKeys(ids: KeyIds, at: string): Promise<void>;
  /** Resolves when the database answers a trivial query (the health check). */
  ping(): Promise<void>;
  /** The transparency log's tiles and checkpoints (docs/design.md § Transparency log). */
  readonly log: LogStore;
  /** Each reader's events in `seq` order (docs/design.md § Event feed). */
  readonly feed: FeedStore;
  /** A sandbox database's mark and clock (docs/design.md § Sandbox). */
  readonly sandbox: SandboxStore;
}

/**
 * A sandbox database's mark and the offset of its clock, shared by every process and host on
 * the database. Read once at start, and per request only when ORDO_SANDBOX=1.
 */
export interface SandboxStore {
  /** How far the sandbox's clock is ahead of real time (ms) if the database is marked a sandbox; undefined if not. */
  offset(): Promise<number | undefined>;
  /** Whether the database holds any actor or prescription. */
  holdsData(): Promise<boolean>;
  /** Marks the database a sandbox, its clock at real time, unless it is marked already. */
  mark(at: string): Promise<void>;
  /** Moves the offset to `offsetMs` unless it is ahead already; returns the offset then (never smaller than before). */
  advance(offsetMs: number): Promise<number>;
}

/** An event's public facts, as the feed answers them: no proof, no receipt. */
export type FeedRow = Pick<EventRow, 'prescriptionId' | 'idx' | 'seq' | 'type' | 'at' | 'actor' | 'claim' | 'hash' | 'prevHash'>;

/**
 * The event feed's reads. Its rows are written by `commit`, in the same atomic write as the
 * events (a reader is added at issue and at a claim: store/packed-transition.ts), so a reader
 * following `seq` sees each of its events once: `seq` follows commit order on every store.
 */
export interface FeedStore {
  /** The first `limit` of the reader's events with seq > `after`, in seq order. */
  page(actorId: string, after: number, limit: number): Promise<FeedRow[]>;
  /** The readers of the first `limit` events with seq > `after` (all readers of each), and the largest seq of those (`after` when none). */
  readersSince(after: number, limit: number): Promise<{ actors: string[]; last: number }>;
  /** The largest seq, 0 before the first event. */
  last(): Promise<number>;
}

/** A tile of the log's tree: its hashes concatenated (32 bytes each), 1 to 256 of them. */
export type StoredTile = { level: number; index: number; hashes: Uint8Array };

/** A checkpoint as stored: its signed note, and what witnesses and a TSA added to it. */
export type StoredCheckpoint = {
  size: number;
  root: Uint8Array;
  /** The C2SP signed note (the checkpoint text and Ordo's signature line). */
  note: string;
  /** When Ordo signed it, epoch ms. */
  at: number;
  /** RFC 3161 TimeStampToken (DER) over the checkpoint text, if any. */
  timestamp?: Uint8Array;
  /** Witnesses' cosignature lines, by witness key name. */
  cosignatures: { witness: string; line: string }[];
};

/**
 * The log's storage. Leaf i is the hash of the event whose `seq` is i + 1 (`seq` has no gaps:
 * every store numbers events inside the transaction that writes them), so the leaves are not
 * copied. Every write only adds: a tile is replaced only by a longer one (the same hashes and
 * more), a checkpoint of a size already stored is left as it is. Two integrations that ran at
 * once therefore leave what either would have left alone.
 */
export interface LogStore {
  /** The largest checkpoint, with its cosignatures; undefined before the first. */
  head(): Promise<StoredCheckpoint | undefined>;
  checkpoint(size: number): Promise<StoredCheckpoint | undefined>;
  /** The largest checkpoint's size, 0 before the first: every event with seq ≤ it is in the log. */
  size(): Promise<number>;
  /** The 32-byte hashes of the first `limit` events with seq > `after`, in seq order, with their seq (a gap shows as a seq skipped). */
  leaves(after: number, limit: number): Promise<{ seq: number; hash: Uint8Array }[]>;
  tile(level: number, index: number): Promise<Uint8Array | undefined>;
  /** The tiles and then the checkpoint, in one transaction (see above). */
  append(tiles: StoredTile[], checkpoint: Omit<StoredCheckpoint, 'cosignatures' | 'timestamp'>): Promise<void>;
  setTimestamp(size: number, token: Uint8Array): Promise<void>;
  /** Keeps a witness's first cosignature of a checkpoint. */
  addCosignature(size: number, witness: string, line: string): Promise<void>;
  /** The largest checkpoint size this witness cosigned, 0 if none. */
  witnessed(witness: string): Promise<number>;
}
