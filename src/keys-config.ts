/**
 * Ordo's secrets as both runtimes receive them (Node: environment or generated files; Workers:
 * secrets), validated once with messages that name the variable.
 */
import { base64url, type JWK } from 'jose';
import { ConfigError, type ConfigProblem } from './config/parse.js';
import type { SecretValues } from './config/shared.js';
import { variables } from './config/variables.js';
import { loadSigner, loadTokenKey, publicReceiptJwk } from './crypto/ordo-keys.js';
import type { OrdoKeys } from './deps.js';

/** Checks the secrets and builds the keys, on both runtimes; throws ConfigError naming every bad one (never a value). */
export async function loadOrdoKeys(v: SecretValues): Promise<OrdoKeys> {
  const problems: ConfigProblem[] = [];
  const bad = (variable: keyof typeof variables, given: string | undefined) => problems.push({ variable, message: `${given ? '' : 'required, '}${variables[variable].expects}` });
  if (!v.adminToken || v.adminToken.length < 32) bad('ORDO_ADMIN_TOKEN', v.adminToken);
  let signingJwk: JWK | undefined;
  try {
    signingJwk = JSON.parse(v.signingKey ?? '') as JWK;
  } catch {
    bad('ORDO_SIGNING_KEY', v.signingKey);
  }
  let tokenRaw: Uint8Array | undefined;
  try {
    tokenRaw = base64url.decode(v.tokenKey ?? '');
    if (tokenRaw.length < 32) bad('ORDO_TOKEN_KEY', v.tokenKey);
  } catch {
    bad('ORDO_TOKEN_KEY', v.tokenKey);
  }
  const retired: JWK[] = [];
  for (const source of v.retiredSigningKeys ?? []) {
    try {
      retired.push(...(await parseRetiredKeys(source.json)));
    } catch (err) {
      problems.push({ variable: source.name, message: (err as Error).message });
    }
  }
  if (problems.length) throw new ConfigError(problems);
  let signer: OrdoKeys['signer'];
  try {
    signer = await loadSigner(signingJwk!);
  } catch {
    throw new ConfigError([{ variable: 'ORDO_SIGNING_KEY', message: variables.ORDO_SIGNING_KEY.expects }]);
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
