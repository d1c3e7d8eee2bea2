/**
 * Ordo's secrets on Node: from the environment when set, otherwise generated on first start
 * into ORDO_SECRETS (default ./secrets; folder 0700, files 0600) and reused afterwards. The
 * folder may not be the database's folder nor inside it: a copy of the database must not carry
 * the key that opens it. Receipt keys retired by `ordo rotate-signing-key` are listed (public
 * halves only) in the folder's retired-signing-keys.json, read if present.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { base64url } from 'jose';
import { ConfigError } from '../config.js';
import { randomBytes } from '../crypto/hash.js';
import { generateSigningJwk } from '../crypto/ordo-keys.js';
import { loadOrdoKeys } from '../keys-config.js';

/** The receipt keys no longer used for signing, kept so that old receipts still verify. */
export const RETIRED_KEYS_FILE = 'retired-signing-keys.json';
export const SIGNING_KEY_FILE = 'signing-key.jwk';

/** Whether `child` is `parent` or lies inside it (paths resolved by the caller). */
export const inside = (child: string, parent: string) => {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && r !== '..');
};

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

export async function loadNodeSecrets(env: Record<string, string | undefined>, dbFile: string) {
  const secretsDir = resolve(env.ORDO_SECRETS || './secrets');
  if (inside(secretsDir, dirname(dbFile))) {
    throw new ConfigError(`Invalid configuration:\n  ORDO_SECRETS: ${secretsDir} is inside the database's folder ${dirname(dbFile)}; keep secrets apart from the database.`);
  }
  const generated: string[] = [];
  const needFiles = !env.ORDO_ADMIN_TOKEN || !env.ORDO_SIGNING_KEY || !env.ORDO_TOKEN_KEY;
  if (needFiles) {
    mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    chmodSync(secretsDir, 0o700);
  }
  const admin = env.ORDO_ADMIN_TOKEN || (await fileSecret(secretsDir, 'admin-token', async () => base64url.encode(randomBytes(32)), generated)());
  const signing = env.ORDO_SIGNING_KEY || (await fileSecret(secretsDir, SIGNING_KEY_FILE, async () => JSON.stringify(await generateSigningJwk()), generated)());
  const token = env.ORDO_TOKEN_KEY || (await fileSecret(secretsDir, 'token-key', async () => base64url.encode(randomBytes(32)), generated)());

  const retiredFile = resolve(secretsDir, RETIRED_KEYS_FILE);
  const retiredSigningKeys = [
    ...(env.ORDO_RETIRED_SIGNING_KEYS ? [{ name: 'ORDO_RETIRED_SIGNING_KEYS', json: env.ORDO_RETIRED_SIGNING_KEYS }] : []),
    ...(existsSync(retiredFile) ? [{ name: retiredFile, json: readFileSync(retiredFile, 'utf8') }] : []),
  ];

  const keys = await loadOrdoKeys({ adminToken: admin, signingKey: signing, tokenKey: token, retiredSigningKeys });
  return { keys, secretsDir, generated };
}
