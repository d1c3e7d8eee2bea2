/**
 * The database is as private as the secrets: the folder Ordo creates for ORDO_DB is 0700, and the
 * database file, its -wal and its -shm are 0600 (SQLite gives the last two the database file's
 * mode). A folder that already exists is left as it is.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { OrdoClient } from '../../src/client/client.js';
import { generateKey } from '../../src/client/sign.js';
import { startNode } from '../../src/node/server.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-file-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const modes = (dbFile: string) => ({ db: mode(dbFile), wal: mode(`${dbFile}-wal`), shm: mode(`${dbFile}-shm`) });

it('npm start: the data folder it creates is 0700, ordo.db, -wal and -shm are 0600', async () => {
  const at = join(dir, 'npm-start');
  const dbFile = join(at, 'data/ordo.db');
  const port = await freePort();
  const { child } = await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: '1', ORDO_DB: dbFile, ORDO_SECRETS: join(at, 'secrets'), ORDO_ISSUER: 'https://ordo.test' });
  try {
    const ordo = new OrdoClient({ url: `http://127.0.0.1:${port}`, issuer: 'https://ordo.test', adminToken: readFileSync(join(at, 'secrets/admin-token'), 'utf8').trim() });
    await ordo.addActor({ id: 'modes-md', kind: 'prescriber', name: 'Dr Modes', keys: [(await generateKey()).publicJwk] });
    expect(mode(join(at, 'data'))).toBe('700');
    expect(modes(dbFile)).toEqual({ db: '600', wal: '600', shm: '600' });
  } finally {
    await killGroup(child, 'SIGTERM');
  }
});

it('in-process, in a folder that already exists: the folder is left alone, the files are 0600', async () => {
  const data = join(dir, 'existing');
  mkdirSync(data, { mode: 0o755 });
  const s = await startNode({ env: { PORT: '0', ORDO_DB: join(data, 'ordo.db'), ORDO_SECRETS: join(dir, 'existing-secrets') }, log: () => {} });
  try {
    expect(mode(data)).toBe('755');
    expect(modes(s.dbFile)).toEqual({ db: '600', wal: '600', shm: '600' });
  } finally {
    await s.close();
  }
});
