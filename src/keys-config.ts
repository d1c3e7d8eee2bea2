/**
 * Ordo's secrets as both runtimes receive them (Node: environment or generated files; Workers:
 * secrets), validated once with messages that name the variable.
 */
import { base64url, type JWK } from 'jose';
import { ConfigError } from './config.js';
import { loadSigner, loadTokenKey, publicReceiptJwk } from './crypto/ordo-keys.js';
import type { OrdoKeys } from './deps.js';

/** Where a list of retired receipt keys came from (named in errors) and its JSON text. */
export type RetiredKeysSource = { name: string; json: string };

export type SecretValues = {
  adminToken?: string;
  signingKey?: string;
  tokenKey?: string;
  /** ORDO_RETIRED_SIGNING_KEYS and, on Node, the secrets folder's retired-signing-keys.json: all are published. */
  retiredSigningKeys?: RetiredKeysSource[];
};

export async function loadOrdoKeys(v: SecretValues): Promise<OrdoKeys> {
  const problems: string[] = [];
  if (!v.adminToken || v.adminToken.length < 32) problems.push('  ORDO_ADMIN_TOKEN: required, at least 32 characters');
  let signingJwk: JWK | undefined;
  try {
    signingJwk = JSON.parse(v.signingKey ?? '') as JWK;
  } catch {
    problems.push('  ORDO_SIGNING_KEY: required, a private JWK as JSON');
  }
  let tokenRaw: Uint8Array | undefined;
  try {
    tokenRaw = base64url.decode(v.tokenKey ?? '');
    if (tokenRaw.length < 32) problems.push('  ORDO_TOKEN_KEY: required, base64url of at least 32 bytes');
  } catch {
    problems.push('  ORDO_TOKEN_KEY: not base64url');
  }
  const retired: JWK[] = [];
  for (const source of v.retiredSigningKeys ?? []) {
    try {
      retired.push(...(await parseRetiredKeys(source.json)));
    } catch (err) {
      problems.push(`  ${source.name}: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  let signer: OrdoKeys['signer'];
  try {
    signer = await loadSigner(signingJwk!);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ORDO_SIGNING_KEY: ${(err as Error).message}`);
  }
  // The current key is published once, as current; a key listed twice is published once.
  const seen = new Set([signer.kid]);
  const unique = retired.filter((k) => !seen.has(k.kid!) && seen.add(k.kid!));
  return { adminToken: v.adminToken!, signer, retired: unique, tokenKey: await loadTokenKey(tokenRaw!) };
}

/**
 * A JSON array of receipt keys no longer used for signing, as JWKs: public ones, or private
 * ones of which only the public half is kept. Returns them as the JWKS publishes them (`kid`
 * recomputed as the thumbprint Ordo signed with). Throws a readable Error naming the entry.
 */
export async function parseRetiredKeys(json: string): Promise<JWK[]> {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    throw new Error('not JSON (expected a JSON array of JWKs)');
  }
  if (!Array.isArray(list)) throw new Error('expected a JSON array of JWKs');
  const keys: JWK[] = [];
  for (const [i, jwk] of list.entries()) {
    if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw new Error(`entry ${i}: not a JWK object`);
    try {
      keys.push((await publicReceiptJwk(jwk as JWK)).publicJwk);
    } catch (err) {
      throw new Error(`entry ${i}: ${(err as Error).message}`);
    }
  }
  return keys;
}
