/**
 * The suite on Workers and in browsers: WebCrypto for signatures and AES-GCM (jose imports the
 * JWKs), @noble/hashes for SHA-256, HMAC and HKDF (synchronous, audited; a WebCrypto call for a
 * small hash costs more in its hand-off than in the hash).
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { importJWK, type JWK } from 'jose';
import { deflateSync } from 'fflate';
import type { CryptoSuite, KeyAlg, SuiteKey } from './types.js';
import { checkCurve, ed25519Pkcs8, publicMembers } from './jwk.js';

const PARAMS: Record<KeyAlg, AlgorithmIdentifier | RsaPssParams | EcdsaParams> = {
  EdDSA: { name: 'Ed25519' },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
};
const params = (alg: KeyAlg) => PARAMS[alg];
const keyOf = (k: SuiteKey) => k.handle as CryptoKey;
const bytes = (b: Uint8Array) => b as BufferSource;

/** AES keys by their bytes, imported once: an import is itself an asynchronous job. */
const aesKeys = new Map<string, Promise<CryptoKey>>();
const AES_KEYS_KEPT = 10_000;
function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  const name = String.fromCharCode(...raw);
  let key = aesKeys.get(name);
  if (key) {
    aesKeys.delete(name); // most recent last
  } else {
    key = crypto.subtle.importKey('raw', bytes(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
    if (aesKeys.size >= AES_KEYS_KEPT) aesKeys.delete(aesKeys.keys().next().value!);
  }
  aesKeys.set(name, key);
  return key;
}

export const webSuite: CryptoSuite = {
  name: 'web',
  async importPublic(jwk, alg) {
    return { alg, signatureBytes: checkCurve(jwk, alg), handle: await importJWK(publicMembers(jwk, alg), alg) };
  },
  async importPrivate(jwk, alg) {
    return { alg, signatureBytes: checkCurve(jwk, alg), handle: await importJWK(jwk, alg) };
  },
  async sign(key, data) {
    return new Uint8Array(await crypto.subtle.sign(params(key.alg), keyOf(key), bytes(data)));
  },
  async verify(key, data, signature) {
    if (signature.length !== key.signatureBytes) return false;
    try {
      return await crypto.subtle.verify(params(key.alg), keyOf(key), bytes(signature), bytes(data));
    } catch {
      return false;
    }
  },
  async encrypt(key, iv, plaintext, aad) {
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: bytes(iv), additionalData: bytes(aad), tagLength: 128 }, await aesKey(key), bytes(plaintext)));
  },
  async decrypt(key, iv, sealed, aad) {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes(iv), additionalData: bytes(aad), tagLength: 128 }, await aesKey(key), bytes(sealed)));
  },
  sha256: (data) => sha256(data),
  hmacSha256: (key, data) => hmac(sha256, key, data),
  async ed25519FromSeed(seed) {
    const key = await crypto.subtle.importKey('pkcs8', ed25519Pkcs8(seed), { name: 'Ed25519' }, true, ['sign']);
    const { kty, crv, x, d } = (await crypto.subtle.exportKey('jwk', key)) as JWK;
    return { kty, crv, x, d };
  },
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  // fflate (pure JS, synchronous): CompressionStream has no preset dictionary.
  deflateRaw: (data, dictionary) => deflateSync(data, { level: 6, dictionary }),
};
