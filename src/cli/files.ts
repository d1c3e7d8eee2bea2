/**
 * The files a command writes, checked and opened BEFORE it sends anything: a prescription is
 * never issued, a code never rotated, a key never generated for a file that cannot be written.
 * An output is written once the answer is in, or discarded (a file it created is removed).
 */
import { closeSync, fchmodSync, ftruncateSync, openSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './context.js';

export type Output = {
  /** As the user gave it, for messages. */
  readonly file: string;
  /** Its absolute path. */
  readonly path: string;
  /** Replaces its content with `data` and closes it. */
  write(data: string | Uint8Array): void;
  /** Closes it; removes it if it was created for this command. */
  discard(): void;
};

export type OutputOptions = {
  /** May an existing file be replaced? If not, `exists` is the whole refusal. */
  overwrite: boolean;
  exists?: string;
};

const statOf = (path: string): Stats | null => {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return null; // a parent is a file: said below
    throw err;
  }
};

/** Why `file`'s folder cannot hold it, or null. */
function folderProblem(file: string): string | null {
  const folder = dirname(file);
  const shown = folder === '.' ? 'the current folder' : `folder ${folder}`;
  const st = statOf(resolve(folder));
  if (st === null) {
    // The nearest part of the path that exists, if it is a file, is the real problem.
    for (let up = folder; up !== dirname(up); up = dirname(up)) {
      const parent = statOf(resolve(up));
      if (parent && !parent.isDirectory()) return `${up} is not a folder`;
      if (parent) break;
    }
    return `${shown} does not exist (create it first: mkdir -p ${folder})`;
  }
  if (!st.isDirectory()) return `${folder} is not a folder`;
  return null;
}

function openError(file: string, err: unknown): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left',
    EISDIR: 'it is a folder',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
  };
  return new CliError(`cannot write ${file}: ${why[code ?? ''] ?? code ?? (err as Error).message}`);
}

/**
 * Checks that `file` can be written (its folder exists, it is not a folder, it may be created or
 * replaced) and opens it, without changing an existing file yet. New files are created 0600:
 * what Ordo's CLI writes (keys, codes, DataMatrix images, traces) is for its owner only.
 */
export function openOutput(file: string, o: OutputOptions): Output {
  if (file.trim() === '') throw new CliError('an output file name is empty');
  const path = resolve(file);
  const folder = folderProblem(file);
  if (folder) throw new CliError(folder);
  const existing = statOf(path);
  if (existing?.isDirectory()) throw new CliError(`${file} is a folder`);
  if (existing && !o.overwrite) throw new CliError(o.exists ?? `${file} exists`);
  // 'wx' never follows a link or replaces a file that appeared meanwhile; 'r+' neither creates nor
  // truncates (an existing file is replaced only once there is something to write); a device or
  // a pipe (/dev/stdout) is opened for writing as it is.
  const created = !existing;
  const regular = !existing || existing.isFile();
  let fd: number;
  try {
    fd = openSync(path, created ? 'wx' : regular ? 'r+' : 'w', 0o600);
    if (created) fchmodSync(fd, 0o600); // whatever the umask
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(o.overwrite ? `cannot create ${file}: something by that name is in the way (a dangling symbolic link?)` : (o.exists ?? `${file} exists`));
    throw openError(file, err);
  }
  let open = true;
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    file,
    path,
    write(data) {
      try {
        if (regular) ftruncateSync(fd, 0);
        writeFileSync(fd, data);
        close();
      } catch (err) {
        close();
        if (created) unlinkSync(path); // no half-written file of ours is left
        throw openError(file, err);
      }
    },
    discard() {
      const wasOpen = open;
      close();
      if (wasOpen && created) unlinkSync(path);
    },
  };
}

/** Opens every output (refusing two names for one file); if one cannot be opened, none stays open. */
export function openOutputs<K extends string>(files: Partial<Record<K, string>>, o: OutputOptions, flag = (k: K) => `--${k}`): Partial<Record<K, Output>> {
  const entries = Object.entries(files).filter((e): e is [K, string] => typeof e[1] === 'string');
  for (const [i, [k, f]] of entries.entries()) {
    const twin = entries.slice(i + 1).find(([, g]) => resolve(g) === resolve(f));
    if (twin) throw new CliError(`${flag(k)} and ${flag(twin[0])} name the same file`);
  }
  const opened: Partial<Record<K, Output>> = {};
  try {
    for (const [k, f] of entries) opened[k] = openOutput(f, o);
  } catch (err) {
    discardAll(opened);
    throw err;
  }
  return opened;
}

export const discardAll = (outputs: Partial<Record<string, Output>>) => Object.values(outputs).forEach((out) => out?.discard());
