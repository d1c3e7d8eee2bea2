/**
 * The cryptography seam: every signature, seal and hash Ordo computes goes through one suite,
 * chosen per runtime and injected through `deps` like the store. On Node it is node:crypto,
 * synchronous (src/node/crypto-suite.ts); on Workers and in browsers WebCrypto, with
 * @noble/hashes for the small hashes (src/crypto/suite/web.ts). Both give the same bytes, and
 * one shared test set holds them to it (test/unit/crypto-suite.test.ts, and in workerd).
 */
import type { JWK } from 'jose';

/**
 * The signature algorithms Ordo accepts: Ed25519 and ECDSA P-256 with SHA-256 for any key, and
 * RSA with SHA-256 (PSS with a 32-byte salt, or PKCS #1 v1.5) for a key a certificate binds
 * (health PKIs issue RSA; a raw JWK sent by a registrar stays Ed25519 or P-256).
 */
export type KeyAlg = 'EdDSA' | 'ES256' | 'PS256' | 'RS256';
export type RsaAlg = 'PS256' | 'RS256';
/** What Ordo's own keys and a raw JWK sign with. */
export type CurveAlg = Exclude<KeyAlg, RsaAlg>;
export const isRsaAlg = (alg: string): alg is RsaAlg => alg === 'PS256' || alg === 'RS256';

/**
 * A key imported by one suite, for the one algorithm it signs with; opaque to everyone else but
 * for the length of its signatures (64 bytes for EdDSA and ES256, the modulus' for RSA).
 */
export type SuiteKey = { readonly alg: KeyAlg; readonly signatureBytes: number; readonly handle: unknown };

export interface CryptoSuite {
  readonly name: 'node' | 'web';
  /**
   * An Ed25519 (EdDSA), P-256 (ES256) or RSA (PS256, RS256: 2,048 to 4,096 bits, e = 65537)
   * public JWK; rejects a point that is not on its curve.
   */
  importPublic(jwk: JWK, alg: KeyAlg): Promise<SuiteKey>;
  /** The private JWK of such a key (with `d`). */
  importPrivate(jwk: JWK, alg: KeyAlg): Promise<SuiteKey>;
  /** The signature of `data`: 64 bytes for EdDSA and ES256 (ES256 as P1363 `r ‖ s`, not DER), the modulus' length for RSA. */
  sign(key: SuiteKey, data: Uint8Array): Promise<Uint8Array>;
  /** Whether `signature` is the key's over `data`; false (never a throw) for any wrong signature. */
  verify(key: SuiteKey, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** AES-256-GCM with a 12-byte IV: the ciphertext followed by its 16-byte tag. */
  encrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** The plaintext; throws when the tag does not verify (a wrong key, IV, AAD or text). */
  decrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  sha256(data: Uint8Array): Uint8Array;
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** The private JWK (`d` and `x`) of the Ed25519 key whose 32-byte seed (RFC 8032 private key) is `seed`. */
  ed25519FromSeed(seed: Uint8Array): Promise<JWK>;
  /** HKDF-SHA256 (RFC 5869). */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * Raw DEFLATE (RFC 1951) with a preset dictionary, for the packed forms of stored records
   * (crypto/pack.ts, which inflates them, the same way everywhere). Not cryptography, but per
   * runtime for the same reason: zlib on Node, a pure-JS deflater elsewhere.
   */
  deflateRaw(data: Uint8Array, dictionary: Uint8Array): Uint8Array;
}
