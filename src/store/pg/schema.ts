/**
 * The PostgreSQL schema: the same tables, columns and values as the SQLite one (../schema.ts),
 * typed for PostgreSQL. Migrations in `drizzle/pg/` are generated from it by drizzle-kit
 * (drizzle.pg.config.ts) and applied at start (store/pg/open.ts).
 *
 * Two differences, both of representation:
 * - A packed column (store/codec.ts) holds bytes, or the text or the number that would not pack
 *   exactly; SQLite keeps each as written in a column without affinity. Here it is `bytea`, its
 *   first byte saying which (pgPacked below).
 * - Every per-prescription table is keyed by the prescription id first (prescriptions, events,
 *   dispensations), so that a distributed PostgreSQL can shard them by it (docs/operations.md).
 *
 * A PostgreSQL database is born with this schema: it never held the rows of earlier versions
 * (clear terms, unpacked events) that the SQLite schema still reads.
 */
import { bigint, customType, index, integer, pgTable, primaryKey, smallint, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

type PackedValue = Uint8Array | string | number;

const BYTES = 0;
const TEXT = 1;
const NUMBER = 2;
const utf8 = new TextEncoder();
const text8 = new TextDecoder();

/** A packed value as stored: a tag byte (bytes, UTF-8 text, or a float64), then the value. */
export function toPgPacked(v: PackedValue): Buffer {
  if (v instanceof Uint8Array) {
    const out = Buffer.allocUnsafe(v.length + 1);
    out[0] = BYTES;
    out.set(v, 1);
    return out;
  }
  if (typeof v === 'string') {
    const bytes = utf8.encode(v);
    const out = Buffer.allocUnsafe(bytes.length + 1);
    out[0] = TEXT;
    out.set(bytes, 1);
    return out;
  }
  const out = Buffer.allocUnsafe(9);
  out[0] = NUMBER;
  out.writeDoubleBE(v, 1);
  return out;
}

/** The value `toPgPacked` stored; a value with an unknown tag reads as its bytes (the verifier reports what they fail). */
export function fromPgPacked(v: unknown): PackedValue {
  const b = v as Buffer;
  if (b[0] === TEXT) return text8.decode(b.subarray(1));
  if (b[0] === NUMBER && b.length === 9) return b.readDoubleBE(1);
  return new Uint8Array(b.buffer, b.byteOffset + 1, b.length - 1);
}

const pgPacked = <T extends PackedValue>() =>
  customType<{ data: T; driverData: Buffer }>({
    dataType: () => 'bytea',
    toDriver: (v) => toPgPacked(v),
    fromDriver: (v) => fromPgPacked(v) as T,
  });
/** A packed hash, MAC or sealed record: bytes, or the text kept when it does not pack. */
const packed = pgPacked<Uint8Array | string | number>();
const packedText = pgPacked<Uint8Array | string>();

/** Text compared byte by byte, whatever the database's collation: ids and instants that pages are ordered by. */
const bytewise = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

/** Epoch milliseconds, as numbers (they fit a double exactly). */
const ms = (name: string) => bigint(name, { mode: 'number' });

export const actors = pgTable('actors', {
  id: text('id').primaryKey(),
  kind: text('kind', { enum: ['prescriber', 'pharmacy'] }).notNull(),
  name: text('name').notNull(),
  profession: text('profession'),
  specialty: text('specialty'),
  status: text('status', { enum: ['active', 'suspended'] }).notNull().default('active'),
  createdAt: text('created_at').notNull(),
});

export const actorKeys = pgTable(
  'actor_keys',
  {
    actorId: text('actor_id')
      .notNull()
      .references(() => actors.id),
    kid: text('kid').notNull(),
    jwk: text('jwk').notNull(),
    alg: text('alg', { enum: ['EdDSA', 'ES256', 'PS256', 'RS256'] }).notNull(),
    addedAt: text('added_at').notNull(),
    revokedAt: text('revoked_at'),
    validFrom: text('valid_from'),
    validUntil: text('valid_until'),
    x5c: text('x5c'),
    cas: text('cas'),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.kid] }), uniqueIndex('actor_keys_kid').on(t.kid)],
);

export const keyCertificates = pgTable(
  'key_certificates',
  {
    kid: text('kid')
      .notNull()
      .references(() => actorKeys.kid),
    ca: text('ca').notNull(),
    serial: text('serial').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ca, t.serial, t.kid] })],
);

/** Bytes as they are (a CRL's DER). */
const bytea = customType<{ data: Uint8Array; driverData: Buffer }>({
  dataType: () => 'bytea',
  toDriver: (v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength),
  fromDriver: (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
});

export const crls = pgTable('crls', {
  ca: text('ca').primaryKey(),
  // Compared as instants (a newer CRL replaces the kept one): byte order, as ISO 8601 sorts.
  thisUpdate: bytewise('this_update').notNull(),
  nextUpdate: text('next_update'),
  der: bytea('der').notNull(),
  loadedAt: text('loaded_at').notNull(),
});

export const prescriptions = pgTable(
  'prescriptions',
  {
    id: bytewise('id').primaryKey(),
    prescriberId: text('prescriber_id').notNull(),
    docJti: text('doc_jti').notNull(),
    docMac: packedText('doc_mac').notNull(),
    status: text('status', { enum: ['active', 'claimed', 'completed', 'cancelled', 'expired'] }).notNull(),
    version: integer('version').notNull(),
    headHash: packedText('head_hash').notNull(),
    codeVersion: integer('code_version').notNull(),
    tokenKeyId: text('token_key_id').notNull(),
    issuedAt: bytewise('issued_at').notNull(),
    validUntil: text('valid_until').notNull(),
    expiresAt: ms('expires_at').notNull(),
    itemCount: integer('item_count').notNull(),
    terms: packedText('terms').notNull(),
    progress: text('progress').notNull(),
    claimId: text('claim_id'),
    claimPharmacy: text('claim_pharmacy'),
    claimExpiresAt: ms('claim_expires_at'),
    claimTtl: integer('claim_ttl'),
    cancelReason: packedText('cancel_reason'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('prescriptions_prescriber_jti').on(t.prescriberId, t.docJti),
    index('prescriptions_prescriber_issued').on(t.prescriberId, t.issuedAt, t.id),
    index('prescriptions_open_expiry').on(t.status, t.expiresAt),
    index('prescriptions_claim_expiry').on(t.claimExpiresAt).where(sql`status = 'claimed'`),
    // A pharmacy's held prescriptions, soonest expiry first (GET /v1/claims): only rows with an open claim.
    index('prescriptions_held').on(t.claimPharmacy, t.claimExpiresAt, t.id).where(sql`claim_id IS NOT NULL`),
  ],
);

export const events = pgTable(
  'events',
  {
    prescriptionId: text('prescription_id').notNull(),
    idx: integer('idx').notNull(),
    /** Global, strictly increasing in commit order: taken from event_seq as the transaction's last write (store/pg/store.ts). */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: text('type', {
      enum: ['issued', 'claimed', 'released', 'claim_expired', 'dispensed', 'cancelled', 'code_rotated', 'expired', 'dispense_corrected'],
    }).notNull(),
    at: packed('at').notNull(),
    actor: packed('actor').notNull(),
    claim: text('claim'),
    proof: packed('proof'),
    proofHash: packed('proof_hash'),
    prevHash: packed('prev_hash'),
    hash: packed('hash').notNull(),
    receipt: text('receipt'),
    receiptSig: packed('receipt_sig'),
    receiptSigner: integer('receipt_signer'),
    claimedUntil: ms('claimed_until'),
  },
  (t) => [
    // The version guard, and the key a distributed database shards the trace by.
    primaryKey({ columns: [t.prescriptionId, t.idx] }),
    uniqueIndex('events_seq').on(t.seq),
    index('events_claimed').on(t.claim).where(sql`type = 'claimed'`),
  ],
);

/**
 * One row: the last `seq` given. A transaction takes its events' numbers from it as its last
 * write, holding the row until it commits, so numbers are given in commit order (design § Storage).
 */
export const eventSeq = pgTable('event_seq', {
  id: smallint('id').primaryKey(),
  last: bigint('last', { mode: 'number' }).notNull(),
});

export const receiptSigners = pgTable(
  'receipt_signers',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    alg: text('alg', { enum: ['EdDSA', 'ES256'] }).notNull(),
    kid: text('kid').notNull(),
    iss: text('iss').notNull(),
  },
  (t) => [uniqueIndex('receipt_signers_kid_iss').on(t.kid, t.iss)],
);

export const requestTokens = pgTable(
  'request_tokens',
  {
    iss: text('iss').notNull(),
    jti: text('jti').notNull(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.iss, t.jti] }), index('request_tokens_expiry').on(t.expiresAt)],
);

export const dispensations = pgTable(
  'dispensations',
  {
    pharmacyId: text('pharmacy_id').notNull(),
    jti: text('jti').notNull(),
    prescriptionId: text('prescription_id').notNull(),
    idx: integer('idx').notNull(),
    mac: packedText('mac').notNull(),
    answer: packedText('answer').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.prescriptionId, t.pharmacyId, t.jti] }),
    // A record is unique per (pharmacy, jti), as on SQLite: a retry on another prescription is refused.
    uniqueIndex('dispensations_pharmacy_jti').on(t.pharmacyId, t.jti),
  ],
);

export const codeAttempts = pgTable(
  'code_attempts',
  {
    client: text('client').notNull(),
    window: ms('window').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.client, t.window] })],
);

export const ordoKeys = pgTable(
  'ordo_keys',
  {
    kind: text('kind', { enum: ['token', 'signing'] }).notNull(),
    id: text('id').notNull(),
    addedAt: text('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.id] })],
);
