/**
 * `ordo rotate-signing-key`: a new receipt key in the secrets folder, the old one's public half
 * appended to retired-signing-keys.json so that every receipt it signed still verifies against
 * /.well-known/jwks.json. Takes effect when Ordo restarts (it reads its keys at start).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { JWK } from 'jose';
import { generateSigningJwk, loadSigner, publicReceiptJwk } from '../crypto/ordo-keys.js';
import { parseRetiredKeys } from '../keys-config.js';
import { RETIRED_KEYS_FILE, SIGNING_KEY_FILE } from '../node/secrets.js';
import { CliError } from './context.js';
import { nodeSuite } from '../node/crypto-suite.js';

export type Rotation = { secretsDir: string; kid: string; retiredKid: string; retired: string[] };

/**
 * Rotates the signing key in `dir`. The retired list is written (and flushed) before the new
 * key replaces the old one, so a crash between the two leaves the old key both current and
 * retired (harmless), never a key whose receipts nothing can verify. The old private key is
 * gone afterwards: only its public half is kept.
 */
export async function rotateSigningKey(dir: string, env: Record<string, string | undefined> = process.env): Promise<Rotation> {
  const secretsDir = resolve(dir);
  if (env.ORDO_SIGNING_KEY) {
    throw new CliError('ORDO_SIGNING_KEY is set: Ordo signs with it, not with the file; rotate that variable instead (README, "Keys")');
  }
  if (!existsSync(secretsDir) || !statSync(secretsDir).isDirectory()) throw new CliError(`${secretsDir} is not a folder (give the secrets folder with --secrets or ORDO_SECRETS)`);
  const keyFile = join(secretsDir, SIGNING_KEY_FILE);
  if (!existsSync(keyFile)) throw new CliError(`no ${SIGNING_KEY_FILE} in ${secretsDir}: nothing to rotate (Ordo generates one on first start)`);

  let old: Awaited<ReturnType<typeof loadSigner>>;
  try {
    old = await loadSigner(JSON.parse(readFileSync(keyFile, 'utf8')) as JWK, nodeSuite);
  } catch (err) {
    throw new CliError(`${keyFile} is not a usable signing key (${(err as Error).message}); nothing changed`);
  }
  const retiredFile = join(secretsDir, RETIRED_KEYS_FILE);
  let retired: JWK[] = [];
  if (existsSync(retiredFile)) {
    try {
      retired = await parseRetiredKeys(readFileSync(retiredFile, 'utf8'));
    } catch (err) {
      throw new CliError(`${retiredFile}: ${(err as Error).message}; fix it first, nothing changed`);
    }
  }
  if (!retired.some((k) => k.kid === old.kid)) retired.push(old.publicJwk);

  const fresh = await generateSigningJwk();
  const { kid } = await publicReceiptJwk(fresh);
  replaceFile(retiredFile, `${JSON.stringify(retired, null, 2)}\n`);
  replaceFile(keyFile, `${JSON.stringify(fresh)}\n`);
  return { secretsDir, kid, retiredKid: old.kid, retired: retired.map((k) => k.kid!) };
}

/** Writes `file` whole or not at all: a 0600 temporary file, flushed, then renamed over it. */
function replaceFile(file: string, text: string) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    const dir = openSync(dirname(file), 'r'); // the rename itself, flushed
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}
