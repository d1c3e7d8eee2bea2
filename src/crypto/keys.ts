/**
 * Practitioners' public keys: parsing what a registrar sends, thumbprints, and a cache of
 * imported keys so a request costs one signature check, not one import.
 */
import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import type { CryptoSuite, CurveAlg, KeyAlg, SuiteKey } from './suite/types.js';

export type { CurveAlg, KeyAlg } from './suite/types.js';
export type PublicJwk =
  | { kty: 'OKP'; crv: 'Ed25519'; x: string }
  | { kty: 'EC'; crv: 'P-256'; x: string; y: string };

/**
 * Why a key was refused. The message is written for the registrar who sent the key; callers
 * decide what kind of failure it is (a 400 for the admin routes).
 */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

/**
 * The one algorithm a JWK's key type signs with in Ordo: EdDSA for Ed25519 (OKP), ES256 for
 * P-256 (EC); null for anything else. Looks only at `kty` and `crv` (not at `alg`, nor whether
 * the key is public or private).
 */
export function algOfJwk(jwk: { kty?: unknown; crv?: unknown }): CurveAlg | null {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  return null;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/**
 * Accepts an Ed25519 (OKP) or P-256 (EC) public JWK and returns its canonical members and the
 * one `alg` it may sign with. Private keys, symmetric keys and other curves are refused with a
 * KeyError.
 */
export async function parsePublicJwk(input: unknown): Promise<{ jwk: PublicJwk; alg: CurveAlg; kid: string }> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new KeyError('A key must be a JWK object.');
  }
  const k = input as Record<string, unknown>;
  if (PRIVATE_MEMBERS.some((m) => m in k)) {
    throw new KeyError('This is a private or symmetric key: register the public key only, and keep the private key with its owner.');
  }
  const str = (m: string) => (typeof k[m] === 'string' && B64URL.test(k[m] as string) ? (k[m] as string) : undefined);
  const alg = algOfJwk(k);
  const x = str('x');
  const y = str('y');
  let jwk: PublicJwk | undefined;
  if (alg === 'EdDSA' && x?.length === 43) jwk = { kty: 'OKP', crv: 'Ed25519', x };
  else if (alg === 'ES256' && x?.length === 43 && y?.length === 43) jwk = { kty: 'EC', crv: 'P-256', x, y };
  if (!alg || !jwk) throw new KeyError('Unsupported key: Ordo accepts Ed25519 (kty OKP) and P-256 (kty EC) public JWKs.');
  if (k.alg !== undefined && k.alg !== alg) {
    throw new KeyError(`This key signs with ${alg}, not ${String(k.alg)}.`);
  }
  try {
    await importJWK({ ...jwk }, alg); // refuses a point that is not on the curve
  } catch {
    throw new KeyError('The key is not a valid public key for its curve.');
  }
  return { jwk, alg, kid: await calculateJwkThumbprint(jwk as JWK, 'sha256') };
}

/** Imported public keys by suite and kid. Keys are immutable once registered, so entries never go stale. */
export class KeyCache {
  readonly #keys = new Map<string, Promise<SuiteKey>>();
  constructor(private readonly max = 10_000) {}

  get(suite: CryptoSuite, kid: string, jwkText: string, alg: KeyAlg): Promise<SuiteKey> {
    const name = `${suite.name} ${kid}`;
    let key = this.#keys.get(name);
    if (!key) {
      if (this.#keys.size >= this.max) this.#keys.delete(this.#keys.keys().next().value!);
      key = suite.importPublic(JSON.parse(jwkText) as JWK, alg);
      this.#keys.set(name, key);
      key.catch(() => this.#keys.delete(name));
    }
    return key;
  }
}

/** kids are key thumbprints, so one process-wide cache can never hand out a wrong key. */
export const publicKeys = /* @__PURE__ */ new KeyCache();
