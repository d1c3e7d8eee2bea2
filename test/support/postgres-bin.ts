/** Where PostgreSQL's programs are (initdb, pg_ctl, pg_dump), for the tests. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The folder of initdb and pg_ctl: on PATH, or the newest in /usr/lib/postgresql. */
export function pgBin(): string {
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`)) return `/usr/lib/postgresql/${v}/bin`;
  if (which) return join(which, '..');
  throw new Error('the tests need PostgreSQL: install it (Debian: apt-get install postgresql) or set ORDO_TEST_PG to a server\'s URL');
}

