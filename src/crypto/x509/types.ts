/**
 * Certificates of a health PKI (docs/design.md § Certified practitioners): the trust anchors
 * Ordo is configured with, a certificate chain validated at a time, and revocation lists.
 * Runtime-neutral (the crypto layer): pkijs over this runtime's WebCrypto (no node: module), the same on Node,
 * Workers and in `ordo verify`.
 */
import type { JWK } from 'jose';

export type CertifiedKind = 'prescriber' | 'pharmacy';
/** What a certified key may sign with: RSA-PSS or (when the anchor lists it) RSA PKCS #1 v1.5, or ECDSA P-256. */
export type CertAlg = 'PS256' | 'RS256' | 'ES256';

/** A configured CA (ORDO_TRUST_ANCHORS, or `ordo verify --anchors`). */
export type Anchor = {
  /** base64url (no padding) of the SHA-256 of the certificate's DER: the CA's id in the store. */
  id: string;
  der: Uint8Array;
  /** The subject, rendered for messages (`CN=…, O=…`). */
  subject: string;
  /** The kinds of actor it may certify (`kinds:` line, required). */
  kinds: CertifiedKind[];
  /** The subject attribute (dotted OID) that holds the actor id (`id:` line; default serialNumber 2.5.4.5). */
  idAttribute: string;
  /** A prefix the attribute's value must start with, dropped to give the actor id (`id: … prefix P`; default none). */
  idPrefix: string;
  /** The algorithms keys it certifies may sign with (`algs:` line; default PS256 ES256). */
  algs: CertAlg[];
  notBefore: string;
  notAfter: string;
};

/** What a valid chain certifies, read from the leaf and its path. */
export type CertifiedKey = {
  actorId: string;
  kind: CertifiedKind;
  /** givenName + surname, else organizationName, else commonName. */
  name: string;
  /** The subject's title (2.5.4.12), if any. */
  profession: string | null;
  /** The leaf's public key as a JWK with its canonical members only (RSA: kty n e; EC: kty crv x y). */
  jwk: JWK;
  alg: CertAlg;
  /** RFC 7638 SHA-256 thumbprint of `jwk`. */
  kid: string;
  /** The intersection of the validity periods of the leaf and of every CA of its path (ISO 8601, ms). */
  validFrom: string;
  validUntil: string;
  /** Base64 (standard, with padding, as JWS x5c) DER: the leaf, then each CA of its path up to the last configured one. */
  x5c: string[];
  /** Ids of the CAs whose revocation lists speak for this key: the issuer of each certificate of the path but the top one. */
  cas: string[];
  /** Each certificate of the path but the top one, by its issuer's id and its serial number (lowercase hex, no leading zeros). */
  serials: { ca: string; serial: string }[];
};

export type CertificateReason =
  | 'malformed' | 'untrusted' | 'expired' | 'not_yet_valid' | 'key_usage' | 'not_end_entity' | 'identifier' | 'kind' | 'algorithm';

/** Why a chain was refused; `message` is written for the practitioner's software. */
export class CertificateRefused extends Error {
  constructor(readonly reason: CertificateReason, message: string) {
    super(message);
    this.name = 'CertificateRefused';
  }
}

/** A revocation list whose signature was checked against a configured CA. */
export type VerifiedCrl = {
  /** The id of the CA that signed it. */
  ca: string;
  thisUpdate: string;
  /** Null when the CRL has none (then it never goes stale by its own date; ORDO_CRL_GRACE does not apply). */
  nextUpdate: string | null;
  /** Serial (lowercase hex, no leading zeros) and revocation date (ISO 8601) of each revoked certificate. */
  revoked: { serial: string; at: string }[];
  /** The CRL's DER. */
  der: Uint8Array;
};

export type CrlReason = 'malformed' | 'untrusted' | 'bad_signature' | 'stale' | 'not_yet_valid';

export class CrlRefused extends Error {
  constructor(readonly reason: CrlReason, message: string) {
    super(message);
    this.name = 'CrlRefused';
  }
}

/** A configuration text that does not parse; the message names the block and what is wrong. */
export class AnchorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnchorError';
  }
}
