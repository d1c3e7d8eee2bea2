/**
 * Ordo's secrets on Node: from the environment when set, otherwise generated on first start
 * into ORDO_SECRETS (default ./secrets; folder 0700, files 0600) and reused afterwards. The
 * folder may not be the database's folder nor inside it (refused by parseNodeConfig): a copy
 * of the database must not carry the key that opens it. Receipt keys retired by `ordo
 * rotate-signing-key` are listed (public halves only) in the folder's
 * retired-signing-keys.json, read if present.
 *
 * The database goes with its keys: it records the ids of the token keys that sealed it and of
 * the receipt keys that signed in it (store/key-records.ts), and Ordo refuses to start on keys
 * that do not match them, generating nothing: a new or foreign secrets folder would otherwise
 * make every code answer 404 and every old receipt unverifiable.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { base64url } from 'jose';
import type { NodeConfig } from '../config/node.js';
import { ConfigError } from '../config/parse.js';
import type { RetiredKeysSource } from '../config/shared.js';
import { randomBytes } from '../crypto/hash.js';
import { generateSigningJwk } from '../crypto/ordo-keys.js';
import { keysAgainstDatabase, loadOrdoKeys, parseRetiredKeys, type DatabaseKeyIds, type SecretFiles } from '../keys-config.js';
import { makeFolder, why } from '../store/sqlite-file.js';
import { openSqlite, SqliteOpenError, type ClosableStore } from '../store/sqlite.js';
import { openPostgres, PgOpenError } from '../store/pg/open.js';
import { resolveLogOrigin } from '../service/log/keys.js';
import { nodeSuite } from './crypto-suite.js';

export { inside } from '../config/node.js';

/** The receipt keys no longer used for signing, kept so that old receipts still verify. */
export const RETIRED_KEYS_FILE = 'retired-signing-keys.json';
export const SIGNING_KEY_FILE = 'signing-key.jwk';
export const TOKEN_KEY_FILE = 'token-key';
export const ADMIN_TOKEN_FILE = 'admin-token';

/** What every refusal over a database's keys ends with. */
const REMEDY = 'restore the secrets folder that goes with this database (see docs/operations.md, "Backup and restore")';

/** A secrets file's text, trimmed; a file that cannot be read is refused by its path. */
function readSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError([{ variable: file, message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
}

/** The key ids a database records, and the database as messages name it. */
export type DatabaseKeys = { dbFile: string; ids: DatabaseKeyIds };

/** The kids of every retired key the sources list; an unreadable list lists none here (loadOrdoKeys reports it). */
async function retiredKids(sources: RetiredKeysSource[]): Promise<Set<string>> {
  const kids = new Set<string>();
  for (const source of sources) {
    try {
      for (const k of await parseRetiredKeys(source.json)) kids.add(k.kid!);
    } catch {
      // reported by loadOrdoKeys
    }
  }
  return kids;
}

/**
 * The keys from the secrets given in the environment, and from files in the secrets folder for
 * those not given (generated now if absent). ORDO_SECRETS was checked apart from the database
 * when the configuration was parsed. With `database`, a token key or a signing key that would be
 * generated while the database records one (a signing key: one not retired) is refused before
 * anything is generated, and the keys loaded must match what it records. Throws ConfigError,
 * naming each secret by its variable or its file.
 */
export async function loadNodeSecrets(config: Pick<NodeConfig, 'secretsDir' | 'secrets'>, database?: DatabaseKeys) {
  const { secretsDir, secrets } = config;
  const path = (name: string) => resolve(secretsDir, name);
  const retiredFile = path(RETIRED_KEYS_FILE);
  const retiredSigningKeys = [...(secrets.retiredSigningKeys ?? []), ...(existsSync(retiredFile) ? [{ name: retiredFile, json: readSecret(retiredFile) }] : [])];

  const missing = (given: string | undefined, name: string) => !given && !existsSync(path(name));
  if (database) {
    const { ids, dbFile } = database;
    const retired = await retiredKids(retiredSigningKeys);
    const unverifiable = ids.signing.filter((kid) => !retired.has(kid));
    const token = missing(secrets.tokenKey, TOKEN_KEY_FILE) && ids.token.length > 0;
    const signing = missing(secrets.signingKey, SIGNING_KEY_FILE) && unverifiable.length > 0;
    if (token || signing) {
      const files = [token && TOKEN_KEY_FILE, signing && SIGNING_KEY_FILE].filter(Boolean).join(' nor ');
      const facts = [token && `was sealed under token key ${ids.token.join(', ')}`, signing && `has receipts signed by ${unverifiable.join(', ')} (not a retired key)`].filter(Boolean).join(' and ');
      throw new ConfigError([{ variable: secretsDir, message: `no ${files} here, while the database ${dbFile} ${facts}; ${REMEDY}; nothing was generated` }]);
    }
  }

  const generated: string[] = [];
  if (!secrets.adminToken || !secrets.signingKey || !secrets.tokenKey) {
    try {
      makeFolder(secretsDir, 0o700);
      chmodSync(secretsDir, 0o700);
    } catch (err) {
      throw new ConfigError([{ variable: 'ORDO_SECRETS', message: `cannot create the folder ${secretsDir} (${why(err)})` }]);
    }
  }
  const files: SecretFiles = {};
  const fileSecret = async (secret: keyof SecretFiles, name: string, make: () => Promise<string>) => {
    const file = (files[secret] = path(name));
    if (existsSync(file)) return readSecret(file);
    const value = await make();
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    generated.push(name);
    return value;
  };
  const admin = secrets.adminToken || (await fileSecret('adminToken', ADMIN_TOKEN_FILE, async () => base64url.encode(randomBytes(32))));
  const signing = secrets.signingKey || (await fileSecret('signingKey', SIGNING_KEY_FILE, async () => JSON.stringify(await generateSigningJwk())));
  const token = secrets.tokenKey || (await fileSecret('tokenKey', TOKEN_KEY_FILE, async () => base64url.encode(randomBytes(32))));

  const keys = await loadOrdoKeys({ adminToken: admin, signingKey: signing, tokenKey: token, logKey: secrets.logKey, retiredSigningKeys }, nodeSuite, files);
  if (database) {
    const problems = keysAgainstDatabase(database.ids, keys, {
      database: `the database ${database.dbFile}`,
      tokenKey: files.tokenKey ?? 'ORDO_TOKEN_KEY',
      signingKey: files.signingKey ?? 'ORDO_SIGNING_KEY',
      remedy: { token: REMEDY, signing: REMEDY },
      ids: true,
    });
    if (problems.length) throw new ConfigError(problems);
  }
  return { keys, secretsDir, generated };
}

/**
 * The database and the keys that go with it, in this order: the database opened (created and
 * migrated if needed), the key ids it records read, the secrets loaded (or generated, for a
 * database that records none) and checked against them, then the current ids recorded. Used
 * once before any server process starts (prepareNode) and by every server (startNode). Throws
 * ConfigError: ORDO_DB with its path and the cause when the file cannot be used, or the
 * refusals of loadNodeSecrets.
 */
export async function openNodeDatabase(config: Pick<NodeConfig, 'dbFile' | 'secretsDir' | 'secrets' | 'postgres' | 'app'>, migrationsFolder: string) {
  const opened = await openStore(config, migrationsFolder);
  const { store } = opened;
  try {
    // On PostgreSQL other processes, on other hosts, may be starting now: one at a time.
    const exclusively = store.exclusively?.bind(store) ?? ((work) => work());
    const loaded = await exclusively(async () => {
      const ids = await store.recordedKeys();
      const loaded = await loadNodeSecrets(config, { dbFile: config.dbFile, ids });
      const { tokenKey, signer } = loaded.keys;
      await store.recordKeys({ token: [...ids.token, tokenKey.id], signing: [...ids.signing, signer.kid] }, new Date().toISOString());
      return loaded;
    });
    // The log's origin: the one it has, and its note key the one that signed it (exit 2 otherwise).
    const log = await resolveLogOrigin(nodeSuite, store.log, config.app.log, loaded.keys.logKey);
    if ('variable' in log) throw new ConfigError([log]);
    return { ...opened, ...loaded, log };
  } catch (err) {
    await opened.release();
    throw err;
  }
}

/** The store on Node, either database: `close()` as the one that writes (SQLite: checkpointed), `release()` as a reader. */
export type NodeStore = Omit<ClosableStore, 'close'> & { close(): void | Promise<void>; exclusively?<T>(work: () => Promise<T>): Promise<T> };

/** ORDO_DB opened: the PostgreSQL database, or the SQLite file. Throws ConfigError naming ORDO_DB and the cause. */
async function openStore(config: Pick<NodeConfig, 'dbFile' | 'postgres'>, migrationsFolder: string): Promise<{ store: NodeStore; release: () => void | Promise<void> }> {
  try {
    if (config.postgres) {
      const store = await openPostgres(config.postgres.url, { migrationsFolder: join(migrationsFolder, 'pg'), packer: nodeSuite, poolSize: config.postgres.poolSize });
      return { store, release: () => store.close() };
    }
    const { store, db } = openSqlite(config.dbFile, { migrationsFolder, packer: nodeSuite });
    return { store, release: () => void db.close() };
  } catch (err) {
    if (err instanceof SqliteOpenError || err instanceof PgOpenError) throw new ConfigError([{ variable: 'ORDO_DB', message: err.message }]);
    throw err;
  }
}
