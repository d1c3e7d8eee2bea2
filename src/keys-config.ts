/**
 * Ordo's secrets as both runtimes receive them (Node: environment or generated files; Workers:
 * secrets), validated once with messages that name the variable.
 */
import { base64url, type JWK } from 'jose';
import { ConfigError } from './config.js';
import { loadSigner, loadTokenKey } from './crypto/ordo-keys.js';
import type { OrdoKeys } from './deps.js';

export type SecretValues = { adminToken?: string; signingKey?: string; tokenKey?: string };

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
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  try {
    return { adminToken: v.adminToken!, signer: await loadSigner(signingJwk!), retired: [], tokenKey: await loadTokenKey(tokenRaw!) };
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ORDO_SIGNING_KEY: ${(err as Error).message}`);
  }
}
