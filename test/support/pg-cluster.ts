/** PostgreSQL for the tests and the bench: where its programs are, and a throwaway cluster. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder of initdb and pg_ctl: on PATH, or the newest in /usr/lib/postgresql. */
export function pgBin(): string {
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`)) return `/usr/lib/postgresql/${v}/bin`;
  if (which) return join(which, '..');
  throw new Error('the tests need PostgreSQL: install it (Debian: apt-get install postgresql) or set ORDO_TEST_PG to a server\'s URL');
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** A PostgreSQL server: its URL (to a database one may connect to for CREATE/DROP DATABASE), the postmaster's pid when it was started here, and how to stop it. */
export type PgServer = { url: string; postmasterPid: number | null; stop: () => void };

/**
 * Starts a throwaway cluster from Debian's `postgresql` package: initdb in a temporary folder
 * (`prefix`; as root, owned by the `postgres` user and run through runuser, since initdb refuses
 * root), trust authentication, a free port on the loopback, its socket in that folder, fsync on,
 * `settings` added (`name=value`). `stop()` stops it (pg_ctl, fast) and removes its folder.
 * Throws, naming PostgreSQL's complaint, if it cannot start (the folder is removed then).
 */
export async function startCluster(o: { prefix: string; settings: string[] }): Promise<PgServer> {
  const bin = pgBin();
  const dir = mkdtempSync(join(tmpdir(), o.prefix));
  const asRoot = process.getuid?.() === 0;
  // As root, every command runs as postgres (initdb refuses root; runuser needs no password).
  const run = (cmd: string, args: string[]) => execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  let started = false;
  const stop = () => {
    try {
      if (started) run(`${bin}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop']);
      started = false;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    chmodSync(dir, 0o755);
    if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
    // --no-sync: only initdb's own files; the server itself runs with fsync on.
    run(`${bin}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    const port = await freePort();
    const options = [`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on`, ...o.settings.map((s) => `-c ${s}`)].join(' ');
    run(`${bin}/pg_ctl`, ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
    started = true;
    // postmaster.pid: its first line is the postmaster's pid (the parent of every backend).
    const postmasterPid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, postmasterPid, stop };
  } catch (err) {
    const log = (() => {
      try {
        return readFileSync(join(dir, 'log'), 'utf8');
      } catch {
        return '';
      }
    })();
    stop();
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`could not start PostgreSQL: ${e.stderr?.toString().trim() || e.message}${log ? `\n${log}` : ''}`);
  }
}

/** The server's URL with another database name. */
export const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

