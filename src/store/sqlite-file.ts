/**
 * The SQLite file on Node: created as privately as the secrets (its folder 0700 when Ordo
 * creates it, the file 0600; SQLite gives its -wal and -shm the file's mode), and every reason
 * it cannot be opened told as one sentence naming the file, not as a driver's stack.
 */
import { closeSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** The database file cannot be created, opened or migrated; the message names the file and why. */
export class SqliteOpenError extends Error {
  override name = 'SqliteOpenError';

  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }

  /** The error SQLite (or the file system) gave, told plainly; anything else is rethrown as it is. */
  static of(file: string, err: unknown): SqliteOpenError {
    if (err instanceof SqliteOpenError) return err;
    const e = ((err as { cause?: unknown })?.cause ?? err) as { code?: unknown; message?: unknown };
    const code = typeof e?.code === 'string' ? e.code : '';
    const message = typeof e?.message === 'string' ? e.message : '';
    if (code === 'SQLITE_CANTOPEN') {
      if (statOf(file)?.isDirectory()) return new SqliteOpenError(file, 'is a folder, not a file (unable to open database file): ORDO_DB names the database file itself');
      return new SqliteOpenError(file, `unable to open database file: check that ${dirname(file)} is a folder Ordo may write to`);
    }
    if (code === 'SQLITE_NOTADB') return new SqliteOpenError(file, 'not a SQLite database (file is not a database): point ORDO_DB at Ordo\'s database, or at a new file');
    if (code.startsWith('SQLITE_CORRUPT')) return new SqliteOpenError(file, `damaged (${message}): restore a backup (docs/operations.md, "Backup and restore")`);
    if (code.startsWith('SQLITE_READONLY')) return new SqliteOpenError(file, `read-only (${message}): Ordo writes to the file and to its folder ${dirname(file)}`);
    if (code.startsWith('SQLITE_')) return new SqliteOpenError(file, `${message} (${code})`);
    throw err;
  }
}

const statOf = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/**
 * `mkdir -p`, each folder made with `mode`; throws the file system's error. (Node's recursive
 * mkdir never returns where a parent answers ENOENT to every creation, as /proc does.)
 */
export function makeFolder(dir: string, mode: number) {
  const missing: string[] = [];
  for (let d = dir; !statOf(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  for (const d of missing) mkdirSync(d, { mode });
}

/** A file-system error code, in words. */
export const why = (err: unknown) => {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  const words: Record<string, string> = {
    ENOTDIR: 'a file is in the way',
    ENOENT: 'this file system does not allow it here',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
  };
  return `${code}: ${words[code] ?? (err as Error).message}`;
};

/**
 * Creates what is missing of `file` (its folder 0700, the file itself empty and 0600: SQLite
 * takes an empty file as a new database), then opens it with `open`. Throws SqliteOpenError.
 */
export function openPrivately<T>(file: string, open: (file: string) => T): T {
  if (file === ':memory:') return open(file);
  const dir = dirname(file);
  const folder = statOf(dir);
  if (folder && !folder.isDirectory()) throw new SqliteOpenError(file, `its folder ${dir} is a file, not a folder`);
  if (!folder) {
    try {
      makeFolder(dir, 0o700);
    } catch (err) {
      throw new SqliteOpenError(file, `cannot create the folder ${dir} (${why(err)})`);
    }
  }
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    // EEXIST: there already (a file, or a folder SQLite will refuse below).
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SqliteOpenError(file, `cannot create it (${why(err)})`);
  }
  try {
    return open(file);
  } catch (err) {
    throw SqliteOpenError.of(file, err);
  }
}
