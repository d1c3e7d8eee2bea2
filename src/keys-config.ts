/**
 * Ordo's secrets as both runtimes receive them (Node: environment or files in the secrets folder;
 * Workers: secrets), validated once with messages that name where each came from; and the check
 * that they are the keys the database goes with.
 */
import { base64url, type JWK } from 'jose';
import { ConfigError, type ConfigProblem } from './config/parse.js';
import type { SecretValues } from './config/shared.js';
import { variables } from './config/variables.js';
import { loadSigner, loadTokenKey, publicReceiptJwk } from './crypto/ordo-keys.js';
import type { CryptoSuite } from './crypto/suite/types.js';
import type { OrdoKeys } from './deps.js';

type Secret = 'adminToken' | 'signingKey' | 'tokenKey' | 'logKey';
const variableOf = { adminToken: 'ORDO_ADMIN_TOKEN', signingKey: 'ORDO_SIGNING_KEY', tokenKey: 'ORDO_TOKEN_KEY', logKey: 'ORDO_LOG_KEY' } as const satisfies Record<Secret, keyof typeof variables>;

/** On Node, the file of the secrets folder a secret was read from; a secret not listed came from its variable. */
export type SecretFiles = Partial<Record<Secret, string>>;

/**
 * Checks the secrets and builds the keys, on both runtimes; throws ConfigError naming every bad
 * one by its source (never a value): "ORDO_TOKEN_KEY: base64url of at least 32 bytes", or
 * "/srv/ordo/secrets/token-key: not base64url of at least 32 bytes".
 */
export async function loadOrdoKeys(v: SecretValues, suite: CryptoSuite, files: SecretFiles = {}): Promise<OrdoKeys> {
  const problems: ConfigProblem[] = [];
  const problem = (secret: Secret, given: string | undefined): ConfigProblem => {
    const expects = variables[variableOf[secret]].expects;
    const file = files[secret];
    if (file) return { variable: file, message: `not ${expects}` };
    return { variable: variableOf[secret], message: `${given ? '' : 'required, '}${expects}` };
  };
  const bad = (secret: Secret, given: string | undefined) => problems.push(problem(secret, given));
  if (!v.adminToken || v.adminToken.length < 32) bad('adminToken', v.adminToken);
  let signingJwk: JWK | undefined;
  try {
    signingJwk = JSON.parse(v.signingKey ?? '') as JWK;
  } catch {
    bad('signingKey', v.signingKey);
  }
  let tokenRaw: Uint8Array | undefined;
  try {
    tokenRaw = base64url.decode(v.tokenKey ?? '');
    if (tokenRaw.length < 32) bad('tokenKey', v.tokenKey);
  } catch {
    bad('tokenKey', v.tokenKey);
  }
  let logJwk: JWK | undefined;
  if (v.logKey !== undefined) {
    try {
      logJwk = JSON.parse(v.logKey) as JWK;
      if (logJwk?.kty !== 'OKP' || logJwk.crv !== 'Ed25519' || typeof logJwk.d !== 'string' || typeof logJwk.x !== 'string') throw new Error();
    } catch {
      bad('logKey', v.logKey);
    }
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
    signer = await loadSigner(signingJwk!, suite);
  } catch {
    throw new ConfigError([problem('signingKey', v.signingKey)]);
  }
  // The current key is published once, as current; a key listed twice is published once.
  const seen = new Set([signer.kid]);
  const unique = retired.filter((k) => !seen.has(k.kid!) && seen.add(k.kid!));
  const logKey = logJwk ?? (await deriveLogKey(tokenRaw!, suite));
  try {
    await suite.importPrivate(logKey, 'EdDSA');
  } catch {
    throw new ConfigError([problem('logKey', v.logKey)]);
  }
  return { adminToken: v.adminToken!, signer, retired: unique, tokenKey: await loadTokenKey(tokenRaw!), logKey };
}

/** The log's note key when ORDO_LOG_KEY is unset: an Ed25519 key whose seed is HKDF-SHA256(token key, info "ordo log key v1"). */
export function deriveLogKey(tokenKey: Uint8Array, suite: CryptoSuite): Promise<JWK> {
  return suite.ed25519FromSeed(suite.hkdfSha256(tokenKey, new Uint8Array(0), new TextEncoder().encode('ordo log key v1'), 32));
}

/** The key ids a database records (the store's recordedKeys): token key ids and receipt kids. */
export type DatabaseKeyIds = { token: readonly string[]; signing: readonly string[] };

export type KeyCheck = {
  /** The database, as the message names it: its path on Node, the binding on Workers. */
  database: string;
  /** Where the token key and the signing key came from (a variable or a file), as named. */
  tokenKey: string;
  signingKey: string;
  /** What to do, ending the message about each key. */
  remedy: { token: string; signing: string };
  /** Whether to tell the key ids (Node's stderr: yes; an answer to anyone on Workers: no). */
  ids: boolean;
};

/**
 * Whether `keys` are the keys the database goes with: every token key that sealed it must be
 * the token key (this version has one), every receipt key that signed in it the signing key or a
 * retired one (else a receipt would no longer verify against the JWKS). Returns a problem per
 * key that does not match, naming it, the database and the remedy; none when all match.
 */
export function keysAgainstDatabase(recorded: DatabaseKeyIds, keys: OrdoKeys, o: KeyCheck): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const list = (ids: readonly string[]) => ids.join(', ');
  const foreignTokens = recorded.token.filter((id) => id !== keys.tokenKey.id);
  if (foreignTokens.length) {
    const which = o.ids ? `token key ${keys.tokenKey.id} is not the one ${o.database} was sealed with (${list(foreignTokens)})` : `not the token key ${o.database} was sealed with`;
    problems.push({ variable: o.tokenKey, message: `${which}; ${o.remedy.token}` });
  }
  const known = new Set([keys.signer.kid, ...keys.retired.map((k) => k.kid)]);
  const unknownSigners = recorded.signing.filter((kid) => !known.has(kid));
  if (unknownSigners.length) {
    const which = o.ids
      ? `receipts in ${o.database} are signed by ${list(unknownSigners)}, neither this key (${keys.signer.kid}) nor a retired one`
      : `receipts in ${o.database} are signed by a key that is neither this one nor a retired one`;
    problems.push({ variable: o.signingKey, message: `${which}; ${o.remedy.signing}` });
  }
  return problems;
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
