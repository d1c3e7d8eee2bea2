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
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
    alg: text('alg', { enum: ['EdDSA', 'ES256'] }).notNull(),
    addedAt: text('added_at').notNull(),
    revokedAt: text('revoked_at'),
  },
  (t) => [primaryKey({ columns: [t.actorId, t.kid] }), uniqueIndex('actor_keys_kid').on(t.kid)],
);

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
    /** Keyed HMAC of the document's canonical payload, to tell a retry from a new payload. */
    docMac: text('doc_mac').notNull(),
    status: text('status', { enum: ['active', 'claimed', 'completed', 'cancelled', 'expired'] }).notNull(),
    /** Index of the last event: every transition is guarded by it. */
    version: integer('version').notNull(),
    /** Hash of the last event, the next event's `prevHash`. */
    headHash: text('head_hash').notNull(),
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
    terms: text('terms').notNull(),
    /** JSON: per item `{ dispensed, firstAt }`. */
    progress: text('progress').notNull(),
    claimId: text('claim_id'),
    claimPharmacy: text('claim_pharmacy'),
    claimExpiresAt: integer('claim_expires_at'),
    claimTtl: integer('claim_ttl'),
    /** JWE of the cancel reason (`ordo:doc` = `cancel`). */
    cancelReason: text('cancel_reason'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('prescriptions_prescriber_jti').on(t.prescriberId, t.docJti),
    index('prescriptions_prescriber_issued').on(t.prescriberId, t.issuedAt, t.id),
    index('prescriptions_open_expiry').on(t.status, t.expiresAt),
    // Only rows whose terms are still in clear: empty once the sweep has sealed them all.
    index('prescriptions_clear_terms').on(t.id).where(clearTermsCondition),
  ],
);

export const events = sqliteTable(
  'events',
  {
    prescriptionId: text('prescription_id').notNull(),
    idx: integer('idx').notNull(),
    /** Global, strictly increasing, assigned by the store; not hashed. */
    seq: integer('seq').notNull(),
    type: text('type', {
      enum: ['issued', 'claimed', 'released', 'claim_expired', 'dispensed', 'cancelled', 'code_rotated', 'expired'],
    }).notNull(),
    at: text('at').notNull(),
    /** JSON: `{ id, kind, kid }` or the string `"ordo"`. */
    actor: text('actor').notNull(),
    claim: text('claim'),
    /** The request token in clear, or the signed document sealed (JWE), or null. */
    proof: text('proof'),
    proofHash: text('proof_hash').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /** Ordo's signed receipt for this event. */
    receipt: text('receipt').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.prescriptionId, t.idx] }),
    uniqueIndex('events_seq').on(t.seq),
    // A claim id in a URL leads to its prescription even after the claim has ended.
    index('events_claim').on(t.claim),
  ],
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
    /** Keyed HMAC of the record's canonical payload: a retry must carry the same record. */
    mac: text('mac').notNull(),
    /** JSON of the answer given (status, remaining, nextDueAt), without the receipt (kept on the event). */
    answer: text('answer').notNull(),
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
