/**
 * What `npm start` says when it cannot use its files: one line naming the cause and where it
 * came from (ORDO_DB and its path; a secrets file by its path, not a variable the user never
 * set), exit code 2, no stack trace. Tests run as root, where permissions do not stop a write:
 * the unwritable places here are paths through a regular file, a folder where the database
 * file should be, and a file that is not a database.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node/server.js';
import { runOrdoProcessToExit } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-start-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (env: Record<string, string>) => runOrdoProcessToExit({ PORT: '0', ORDO_WORKERS: '1', ...env });

/** Exit 2 and exactly one line on stderr, matching every pattern; never a stack trace or a raw driver error. */
function expectOneLine(r: { code: number | null; stderr: string }, ...patterns: RegExp[]) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |SqliteError|Error:/);
  for (const p of patterns) expect(r.stderr).toMatch(p);
}
const esc = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));

describe('ORDO_DB that cannot be used: named with its path', () => {
  const aFile = join(dir, 'afile');
  writeFileSync(aFile, 'not a folder\n');

  it('its folder is a regular file', async () => {
    const db = join(aFile, 'ordo.db');
    expectOneLine(await run({ ORDO_DB: db, ORDO_SECRETS: join(dir, 's1') }), /ORDO_DB: /, esc(db), esc(aFile), /not a folder/);
  });

  it('its folder cannot be created (a file in the way)', async () => {
    const db = join(aFile, 'data/ordo.db');
    expectOneLine(await run({ ORDO_DB: db, ORDO_SECRETS: join(dir, 's2') }), /ORDO_DB: /, esc(db), /cannot create the folder/, /ENOTDIR/);
  });

  it('it is a folder: "unable to open database file" explained', async () => {
    const db = join(dir, 'folder-db/ordo.db');
    mkdirSync(db, { recursive: true });
    expectOneLine(await run({ ORDO_DB: db, ORDO_SECRETS: join(dir, 's3') }), /ORDO_DB: /, esc(db), /is a folder, not a file/);
  });

  it.runIf(existsSync('/proc/self'))('its folder cannot be made where the file system refuses (/proc): no endless retry', async () => {
    const db = '/proc/ordo-no-such-folder/ordo.db';
    expectOneLine(await run({ ORDO_DB: db, ORDO_SECRETS: join(dir, 's6') }), /ORDO_DB: /, esc(db), /cannot create the folder \/proc\/ordo-no-such-folder/);
  });

  it('it is not a SQLite database', async () => {
    const db = join(dir, 'garbage/ordo.db');
    mkdirSync(join(dir, 'garbage'));
    writeFileSync(db, 'hello, this is not a database file, and it is long enough to hold a header of a hundred bytes.\n'.repeat(50));
    expectOneLine(await run({ ORDO_DB: db, ORDO_SECRETS: join(dir, 's4') }), /ORDO_DB: /, esc(db), /not a SQLite database/);
  });

  it('in-process too: startNode rejects with the same message', async () => {
    await expect(startNode({ env: { PORT: '0', ORDO_DB: join(aFile, 'ordo.db'), ORDO_SECRETS: join(dir, 's5') }, log: () => {} })).rejects.toThrow(
      /^Invalid configuration: ORDO_DB: .*afile\/ordo\.db: /,
    );
  });
});

describe('trust anchors that are not CAs', () => {
  it('stop Ordo at start with one line naming ORDO_TRUST_ANCHORS and the block', async () => {
    const env = { ORDO_DB: join(dir, 'anchors/ordo.db'), ORDO_SECRETS: join(dir, 'anchors-secrets') };
    const notACertificate = 'kinds: prescriber\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expectOneLine(await run({ ...env, ORDO_TRUST_ANCHORS: notACertificate }), /ORDO_TRUST_ANCHORS: certificate 1 is not a readable X\.509 certificate/);
  });
});

describe('a damaged secrets file: named by its path, not by a variable', () => {
  // One deployment per case: a first start makes the database and its secrets, then a file is damaged.
  const deployment = async (name: string) => {
    const at = join(dir, name);
    const env = { PORT: '0', ORDO_DB: join(at, 'data/ordo.db'), ORDO_SECRETS: join(at, 'secrets') };
    await (await startNode({ env, log: () => {} })).close();
    return { env, secrets: join(at, 'secrets') };
  };

  it.each([
    ['token-key', 'c2hvcnQ\n', /token-key: not base64url of at least 32 bytes/, /ORDO_TOKEN_KEY/],
    ['token-key', '!!! not base64url at all, far longer than thirty-two characters !!!\n', /token-key: not base64url of at least 32 bytes/, /ORDO_TOKEN_KEY/],
    ['signing-key.jwk', '{not json\n', /signing-key\.jwk: not a private JWK as JSON \(Ed25519 or P-256\)/, /ORDO_SIGNING_KEY/],
    ['signing-key.jwk', '{"kty":"RSA","n":"x","e":"AQAB","d":"y"}\n', /signing-key\.jwk: not a private JWK as JSON \(Ed25519 or P-256\)/, /ORDO_SIGNING_KEY/],
    ['admin-token', 'short\n', /admin-token: not at least 32 characters/, /ORDO_ADMIN_TOKEN/],
  ])('%s containing %j', async (file, content, message, notNamed) => {
    const { env, secrets } = await deployment(`damaged-${file}-${content.length}`);
    writeFileSync(join(secrets, file), content);
    const r = await runOrdoProcessToExit({ ...env, ORDO_WORKERS: '1' });
    expectOneLine(r, esc(join(secrets, file)), message);
    expect(r.stderr).not.toMatch(notNamed);
    expect(r.stderr).not.toContain(content.trim());
  });

  it('ORDO_SECRETS that cannot be created (a file in the way): named, no stack', async () => {
    const aFile = join(dir, 'secrets-file');
    writeFileSync(aFile, 'not a folder\n');
    const secrets = join(aFile, 'secrets');
    expectOneLine(await run({ ORDO_DB: join(dir, 'secrets-db/ordo.db'), ORDO_SECRETS: secrets }), /ORDO_SECRETS: cannot create the folder /, esc(secrets), /ENOTDIR/);
  });

  it('token-key that is a folder: named, no stack', async () => {
    const { env, secrets } = await deployment('token-key-folder');
    rmSync(join(secrets, 'token-key'));
    mkdirSync(join(secrets, 'token-key'));
    expectOneLine(await runOrdoProcessToExit({ ...env, ORDO_WORKERS: '1' }), esc(join(secrets, 'token-key')), /cannot be read/);
    expect(existsSync(join(secrets, 'token-key'))).toBe(true);
  });
});
