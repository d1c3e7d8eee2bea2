/**
 * `ordo backup`: a consistent copy of Ordo's SQLite database, taken while Ordo keeps serving.
 * SQLite's online backup API reads the source through its own read-only connection; in WAL mode
 * a reader never blocks the server's writers, and the copy is one snapshot of committed
 * transactions. The copy is checked (`PRAGMA integrity_check`) before it is reported.
 */
import Database from 'better-sqlite3';
import { existsSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inside } from '../node/secrets.js';
import { CliError } from './context.js';

export type BackupResult = { file: string; source: string; bytes: number; prescriptions: number; events: number; integrity: 'ok' };

/** SQLite's companions of a database file: a stale one next to a new copy would be read as its journal. */
const companions = (file: string) => [`${file}-wal`, `${file}-shm`, `${file}-journal`];
const real = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));

/**
 * Copies the database at `db` to `file`, a new file (never overwritten) outside the secrets
 * folder. Every refusal is a CliError; a copy that fails is removed.
 */
export async function backupDatabase(o: { db: string; file: string; secrets: string }): Promise<BackupResult> {
  const source = resolve(o.db);
  const dest = resolve(o.file);
  const destDir = dirname(dest);
  if (existsSync(dest)) throw new CliError(`${o.file} exists: backup never overwrites a file`);
  const stale = companions(dest).find((f) => existsSync(f));
  if (stale) throw new CliError(`${stale} exists (left by an earlier copy?): remove it or choose another name`);
  if (!existsSync(destDir) || !statSync(destDir).isDirectory()) throw new CliError(`folder ${destDir} does not exist`);
  const secrets = resolve(o.secrets);
  if (inside(dest, secrets) || inside(realpathSync(destDir), real(secrets))) {
    throw new CliError(`${o.file} is inside the secrets folder ${secrets}: keep the database copy apart from the keys`);
  }
  if (!existsSync(source)) throw new CliError(`no database at ${source} (give --db or set ORDO_DB)`);

  const src = openSource(source);
  try {
    writeFileSync(dest, '', { flag: 'wx', mode: 0o600 }); // created here, so a file appearing meanwhile is never overwritten
  } catch {
    src.close();
    throw new CliError(`cannot create ${o.file} (it exists, or the folder is not writable)`);
  }
  const removeCopy = () => [dest, ...companions(dest)].forEach((f) => rmSync(f, { force: true }));
  try {
    // All pages in one step: one read transaction, one snapshot. Copied in small steps, the
    // backup would restart whenever the server commits between two of them, possibly forever.
    await src.backup(dest, { progress: () => 0x7fffffff });
  } catch (err) {
    removeCopy();
    throw new CliError(`the copy failed: ${(err as Error).message}; nothing was kept`);
  } finally {
    src.close();
  }

  let counts: { prescriptions: number; events: number };
  try {
    counts = checkCopy(dest);
  } catch (err) {
    removeCopy();
    throw new CliError(`integrity check failed on the copy (${(err as Error).message}); the copy was removed. Check the source: PRAGMA integrity_check on ${source}`);
  }
  return { file: dest, source, bytes: statSync(dest).size, ...counts, integrity: 'ok' };
}

function openSource(source: string): Database.Database {
  let src: Database.Database | undefined;
  try {
    src = new Database(source, { readonly: true, fileMustExist: true });
    src.pragma('busy_timeout = 5000');
    const tables = src.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('prescriptions', 'events')").all();
    if (tables.length !== 2) throw new CliError(`${source} is not an Ordo database (no prescriptions and events tables)`);
    return src;
  } catch (err) {
    src?.close();
    if (err instanceof CliError) throw err;
    const code = (err as { code?: string }).code;
    throw new CliError(code === 'SQLITE_NOTADB' ? `${source} is not an SQLite database` : `cannot read ${source}: ${(err as Error).message}`);
  }
}

/**
 * Runs `PRAGMA integrity_check` on the copy (throwing its first findings unless it says ok),
 * counts what it holds, and leaves it as one self-contained file (rollback journal, no -wal).
 */
function checkCopy(file: string): { prescriptions: number; events: number } {
  const copy = new Database(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const findings = copy.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    if (findings.length !== 1 || findings[0]?.integrity_check !== 'ok') {
      throw new Error(findings.slice(0, 3).map((f) => f.integrity_check).join('; '));
    }
    const count = (table: string) => (copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { prescriptions: count('prescriptions'), events: count('events') };
  } finally {
    copy.close();
  }
}

/** 1234567 → "1.2 MiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}
