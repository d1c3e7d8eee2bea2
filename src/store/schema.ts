/**
 * The drizzle schema: camelCase in TypeScript, snake_case in SQL. Migrations in `drizzle/`
 * are generated from it by drizzle-kit and applied by both runtimes and the tests.
 *
 * What is clear here is only what the state machine needs without the code (ids, dates,
 * states, the number of items and what was dispensed of each, claims, hashes, request tokens;
 * docs/design.md § Sealed at rest lists every clear column and why). Documents, dispensing
 * records, cancel reasons and the per-item terms are JWE, sealed under a key derived from the code.
 */
import { sql } from 'drizzle-orm';
import { customType, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Bytes as every SQLite driver returns them (better-sqlite3 a Buffer, D1 an ArrayBuffer or an array of numbers). */
const asBytes = (v: unknown): unknown =>
  v instanceof Uint8Array ? v : v instanceof ArrayBuffer ? new Uint8Array(v) : Array.isArray(v) ? Uint8Array.from(v as number[]) : v;

/**
 * A column that holds the packed form of a value (store/codec.ts), or the text form that rows
 * written before packing, or a value that would not rebuild exactly, keep. Declared `blob`: no
 * type affinity, every value is kept as written.
 */
const packed = customType<{ data: Uint8Array | string | number; driverData: unknown }>({
  dataType: () => 'blob',
  fromDriver: (v) => asBytes(v) as Uint8Array | string | number,
});

/** Bytes, whichever driver reads them. */
const bytes = customType<{ data: Uint8Array; driverData: unknown }>({
  dataType: () => 'blob',
  fromDriver: (v) => asBytes(v) as Uint8Array,
});



export const actors = sqliteTable('actors', {
  id: text('id').primaryKey(),
  kind: text('kind', { enum: ['prescriber', 'pharmacy'] }).notNull(),
  name: text('name').notNull(),
  profession: text('profession'),
  specialty: text('specialty'),
  status: text('status', { enum: ['active', 'suspended'] }).notNull().default('active'),
  createdAt: text('created_at').notNull(),
});

export const actorKeys = sqliteTable(
  'actor_keys',
  {
    actorId: text('actor_id')
      .notNull()
      .references(() => actors.id),
    /** RFC 7638 SHA-256 thumbprint: unique across the directory, a key belongs to one actor. */
    kid: text('kid').notNull(),
    /** The public JWK as registered (canonical members only). */
    jwk: text('jwk').notNull(),
    alg: text('alg', { enum: ['EdDSA', 'ES256', 'PS256', 'RS256'] }).notNull(),
    addedAt: text('added_at').notNull(),
    revokedAt: text('revoked_at'),
    /** A certified key's bounds (ISO 8601): the intersection of its path's validity periods; null for a raw JWK key. */
    validFrom: text('valid_from'),
    validUntil: text('valid_until'),
    /** A certified key's path as enrolled: JSON array of base64 DER, the leaf first, then its CAs; null for a raw JWK key. */
    x5c: text('x5c'),
    /** JSON array of the ids of the CAs whose revocation lists speak for the key; null for a raw JWK key. */
    cas: text('cas'),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.kid] }), uniqueIndex('actor_keys_kid').on(t.kid)],
);

/**
 * Each certificate of a certified key's path but the top one, by its issuer's id and serial: a
 * CRL of that issuer listing the serial revokes the key (Store.loadCrl). Keyed for that lookup.
 */
export const keyCertificates = sqliteTable(
  'key_certificates',
  {
    kid: text('kid')
      .notNull()
      .references(() => actorKeys.kid),
    /** The issuer's id: base64url of the SHA-256 of its certificate's DER (crypto/x509/types.ts Anchor.id). */
    ca: text('ca').notNull(),
    /** The certificate's serial number: lowercase hex, no leading zeros. */
    serial: text('serial').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ca, t.serial, t.kid] })],
);

/** The newest revocation list loaded per CA (the largest `this_update`), as its signer published it. */
export const crls = sqliteTable('crls', {
  /** The CA's id, as in key_certificates.ca. */
  ca: text('ca').primaryKey(),
  /** ISO 8601 (ms): the CRL's thisUpdate and nextUpdate (null when it has none). */
  thisUpdate: text('this_update').notNull(),
  nextUpdate: text('next_update'),
  /** The CRL's DER, signature included: anyone can check it again. */
  der: bytes('der').notNull(),
  /** When Ordo loaded it (ISO 8601). */
  loadedAt: text('loaded_at').notNull(),
});

/** The same, in a column declared `text` by earlier versions: SQLite keeps a blob as a blob there too. */
const packedText = customType<{ data: Uint8Array | string; driverData: unknown }>({
  dataType: () => 'text',
  fromDriver: (v) => asBytes(v) as Uint8Array | string,
});

/** Terms written in clear (a JSON array) by a version that did not seal them. */
export const clearTermsCondition = sql`substr(terms, 1, 1) = '['`;

export const prescriptions = sqliteTable(
  'prescriptions',
  {
    /** 16 Crockford base32 symbols of 10 random bytes. */
    id: text('id').primaryKey(),
    prescriberId: text('prescriber_id').notNull(),
    /** The document's `jti`: (prescriber, jti) is unique, a retry is recognised by it. */
    docJti: text('doc_jti').notNull(),
    /** Keyed HMAC of the document's canonical payload, to tell a retry from a new payload (32 bytes). */
    docMac: packedText('doc_mac').notNull(),
    status: text('status', { enum: ['active', 'claimed', 'completed', 'cancelled', 'expired'] }).notNull(),
    /** Index of the last event: every transition is guarded by it. */
    version: integer('version').notNull(),
    /** Hash of the last event, the next event's `prevHash` (32 bytes). */
    headHash: packedText('head_hash').notNull(),
    /** The code version `n`. */
    codeVersion: integer('code_version').notNull(),
    /** Id of the token key that derived the code and sealed the content. */
    tokenKeyId: text('token_key_id').notNull(),
    issuedAt: text('issued_at').notNull(),
    validUntil: text('valid_until').notNull(),
    /** First instant after `validUntil` (epoch ms). */
    expiresAt: integer('expires_at').notNull(),
    itemCount: integer('item_count').notNull(),
    /**
     * Per item: quantity, total and pace, sealed (`ordo:doc` = `terms`; src/service/sealed-terms.ts).
     * Rows written by earlier versions hold them in clear JSON until the sweep seals them.
     */
    terms: packedText('terms').notNull(),
    /** JSON: per item `{ dispensed, firstAt }`. */
    progress: text('progress').notNull(),
    claimId: text('claim_id'),
    claimPharmacy: text('claim_pharmacy'),
    claimExpiresAt: integer('claim_expires_at'),
    claimTtl: integer('claim_ttl'),
    /** JWE of the cancel reason (`ordo:doc` = `cancel`). */
    cancelReason: packedText('cancel_reason'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('prescriptions_prescriber_jti').on(t.prescriberId, t.docJti),
    index('prescriptions_prescriber_issued').on(t.prescriberId, t.issuedAt, t.id),
    index('prescriptions_open_expiry').on(t.status, t.expiresAt),
    // Only rows whose terms are still in clear: empty once the sweep has sealed them all.
    index('prescriptions_clear_terms').on(t.id).where(clearTermsCondition),
    // A pharmacy's held prescriptions, soonest expiry first (GET /v1/claims): only rows with an open claim.
    index('prescriptions_held').on(t.claimPharmacy, t.claimExpiresAt, t.id).where(sql`claim_id is not null`),
  ],
);

/** An event row written before packing: its hash is still base64url text. */
export const unpackedCondition = sql`typeof(hash) = 'text'`;

/**
 * The trace, stored packed (store/codec.ts; design § Storage): every column but `seq` is what
 * the event was, rebuilt exactly on read. Rows from before packing hold the same values as text.
 */
export const events = sqliteTable(
  'events',
  {
    prescriptionId: text('prescription_id').notNull(),
    idx: integer('idx').notNull(),
    /** Global, strictly increasing, assigned by the store; not hashed. The rowid: no index of its own. */
    seq: integer('seq').primaryKey(),
    type: text('type', {
      enum: ['issued', 'claimed', 'released', 'claim_expired', 'dispensed', 'cancelled', 'code_rotated', 'expired', 'dispense_corrected'],
    }).notNull(),
    /** Epoch milliseconds (text: RFC 3339). */
    at: packed('at').notNull(),
    /** `kind ‖ kid ‖ id` (text: `{ id, kind, kid }` or `"ordo"` as JSON). */
    actor: packed('actor').notNull(),
    claim: text('claim'),
    /** The request token packed, or the signed document sealed and packed, or null. */
    proof: packed('proof'),
    /** 32 bytes; null when it is the hash of `proof` as stored (a request token, or none). */
    proofHash: packed('proof_hash'),
    /** 32 bytes; null when it is the previous event's `hash` (or, at index 0, the genesis hash). */
    prevHash: packed('prev_hash'),
    hash: packed('hash').notNull(),
    /** Ordo's receipt when it is not rebuilt from the columns below (rows from before packing). */
    receipt: text('receipt'),
    /** The receipt's signature (64 bytes), by `receipt_signers.id` = `receipt_signer`. */
    receiptSig: packed('receipt_sig'),
    receiptSigner: integer('receipt_signer'),
    /** A `claimed` receipt's `claimedUntil` (epoch ms). */
    claimedUntil: integer('claimed_until'),
  },
  (t) => [
    // The version guard: a second writer of the same index fails here and its whole batch rolls back.
    uniqueIndex('events_rx_idx').on(t.prescriptionId, t.idx),
    // A claim id in a URL leads to its prescription even after the claim has ended: its `claimed` event.
    index('events_claimed').on(t.claim).where(sql`type = 'claimed'`),
    // Only rows still in text form (written before packing): empty once the sweep has packed them all.
    index('events_unpacked').on(t.prescriptionId).where(unpackedCondition),
  ],
);

/** The keys and issuers receipts were signed with, numbered for events.receipt_signer. */
export const receiptSigners = sqliteTable(
  'receipt_signers',
  {
    id: integer('id').primaryKey(),
    alg: text('alg', { enum: ['EdDSA', 'ES256'] }).notNull(),
    kid: text('kid').notNull(),
    iss: text('iss').notNull(),
  },
  (t) => [uniqueIndex('receipt_signers_kid_iss').on(t.kid, t.iss)],
);

/** The replay guard: a request token's (iss, jti), kept until exp + skew. */
export const requestTokens = sqliteTable(
  'request_tokens',
  {
    iss: text('iss').notNull(),
    jti: text('jti').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.iss, t.jti] }), index('request_tokens_expiry').on(t.expiresAt)],
);

/** A dispensing record is unique per (pharmacy, jti): a retry gets the original answer. */
export const dispensations = sqliteTable(
  'dispensations',
  {
    pharmacyId: text('pharmacy_id').notNull(),
    jti: text('jti').notNull(),
    prescriptionId: text('prescription_id').notNull(),
    idx: integer('idx').notNull(),
    /** Keyed HMAC of the record's canonical payload: a retry must carry the same record (32 bytes). */
    mac: packedText('mac').notNull(),
    /** JSON of the answer given (status, remaining, nextDueAt), without the receipt (kept on the event). */
    answer: packedText('answer').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pharmacyId, t.jti] })],
);

/** Failed code attempts per client (an HMAC of its address) and fixed window. */
export const codeAttempts = sqliteTable(
  'code_attempts',
  {
    client: text('client').notNull(),
    window: integer('window').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.client, t.window] })],
);


/**
 * The ids of Ordo's own keys this database goes with: every token key that sealed it (`token`,
 * the id stored with each prescription) and every receipt key that signed in it (`signing`, the
 * receipts' `kid`), recorded at start. A start with keys that do not match is refused (Node:
 * src/node/secrets.ts; Workers: src/worker.ts), so an empty or foreign secrets folder cannot
 * orphan the prescriptions.
 */
export const ordoKeys = sqliteTable(
  'ordo_keys',
  {
    kind: text('kind', { enum: ['token', 'signing'] }).notNull(),
    id: text('id').notNull(),
    addedAt: text('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.id] })],
);
