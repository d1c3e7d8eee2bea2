/**
 * Ordo's secrets on Node: from the environment when set, otherwise generated on first start
 * into ORDO_SECRETS (default ./secrets; folder 0700, files 0600) and reused afterwards. The
 * folder may not be the database's folder nor inside it: a copy of the database must not carry
 * the key that opens it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { base64url, type JWK } from 'jose';
import { ConfigError } from '../config.js';
import { randomBytes } from '../crypto/hash.js';
import { generateSigningJwk, loadSigner, loadTokenKey } from '../crypto/ordo-keys.js';
import type { OrdoKeys } from '../deps.js';

const inside = (child: string, parent: string) => {
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
  const signing = env.ORDO_SIGNING_KEY || (await fileSecret(secretsDir, 'signing-key.jwk', async () => JSON.stringify(await generateSigningJwk()), generated)());
  const token = env.ORDO_TOKEN_KEY || (await fileSecret(secretsDir, 'token-key', async () => base64url.encode(randomBytes(32)), generated)());

  const problems: string[] = [];
  if (admin.length < 32) problems.push('  ORDO_ADMIN_TOKEN: at least 32 characters');
  let signingJwk: JWK | undefined;
  try {
    signingJwk = JSON.parse(signing) as JWK;
  } catch {
    problems.push('  ORDO_SIGNING_KEY: not a JSON JWK');
  }
  let tokenRaw: Uint8Array | undefined;
  try {
    tokenRaw = base64url.decode(token);
    if (tokenRaw.length < 32) problems.push('  ORDO_TOKEN_KEY: must decode (base64url) to at least 32 bytes');
  } catch {
    problems.push('  ORDO_TOKEN_KEY: not base64url');
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  let keys: OrdoKeys;
  try {
    keys = { adminToken: admin, signer: await loadSigner(signingJwk!), retired: [], tokenKey: await loadTokenKey(tokenRaw!) };
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  ORDO_SIGNING_KEY: ${(err as Error).message}`);
  }
  return { keys, secretsDir, generated };
}
