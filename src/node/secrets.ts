/**
 * Ordo's secrets on Node: from the environment when set, otherwise generated on first start
 * into ORDO_SECRETS (default ./secrets; folder 0700, files 0600) and reused afterwards. The
 * folder may not be the database's folder nor inside it (refused by parseNodeConfig): a copy
 * of the database must not carry the key that opens it. Receipt keys retired by `ordo
 * rotate-signing-key` are listed (public halves only) in the folder's
 * retired-signing-keys.json, read if present.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { base64url } from 'jose';
import type { NodeConfig } from '../config/node.js';
import { randomBytes } from '../crypto/hash.js';
import { generateSigningJwk } from '../crypto/ordo-keys.js';
import { loadOrdoKeys } from '../keys-config.js';

export { inside } from '../config/node.js';

/** The receipt keys no longer used for signing, kept so that old receipts still verify. */
export const RETIRED_KEYS_FILE = 'retired-signing-keys.json';
export const SIGNING_KEY_FILE = 'signing-key.jwk';

function fileSecret(dir: string, name: string, make: () => Promise<string>, generated: string[]) {
  const file = resolve(dir, name);
  return async () => {
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const value = await make();
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    generated.push(name);
    return value;
  };
}

/**
 * The keys from the secrets given in the environment, and from files in the secrets folder for
 * those not given (generated now if absent). ORDO_SECRETS was checked apart from the database
 * when the configuration was parsed. Throws ConfigError from loadOrdoKeys.
 */
export async function loadNodeSecrets(config: Pick<NodeConfig, 'secretsDir' | 'secrets'>) {
  const { secretsDir, secrets } = config;
  const generated: string[] = [];
  const needFiles = !secrets.adminToken || !secrets.signingKey || !secrets.tokenKey;
  if (needFiles) {
    mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    chmodSync(secretsDir, 0o700);
  }
  const admin = secrets.adminToken || (await fileSecret(secretsDir, 'admin-token', async () => base64url.encode(randomBytes(32)), generated)());
  const signing = secrets.signingKey || (await fileSecret(secretsDir, SIGNING_KEY_FILE, async () => JSON.stringify(await generateSigningJwk()), generated)());
  const token = secrets.tokenKey || (await fileSecret(secretsDir, 'token-key', async () => base64url.encode(randomBytes(32)), generated)());

  const retiredFile = resolve(secretsDir, RETIRED_KEYS_FILE);
  const retiredSigningKeys = [...(secrets.retiredSigningKeys ?? []), ...(existsSync(retiredFile) ? [{ name: retiredFile, json: readFileSync(retiredFile, 'utf8') }] : [])];

  const keys = await loadOrdoKeys({ adminToken: admin, signingKey: signing, tokenKey: token, retiredSigningKeys });
  return { keys, secretsDir, generated };
}
