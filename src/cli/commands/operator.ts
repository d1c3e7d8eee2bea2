/** The operator's commands: `backup`, `migrate`, `rotate-signing-key`, and `demo`. */
import { Option, type Command } from 'commander';
import { runDemo } from '../demo.js';
import { isPostgresUrl } from '../../lib/postgres-url.js';
import { CliError, print, type Globals } from '../context.js';

export function operatorCommands(program: Command, g: Globals) {
  program
    .command('backup <file>')
    .description("copy a running Ordo's SQLite database to FILE (a new file), consistently, while it keeps serving; keep the secrets folder apart")
    .addOption(new Option('--db <path>', 'the database to copy').env('ORDO_DB').default('./data/ordo.db'))
    .addOption(new Option('--secrets <dir>', 'the secrets folder, where a copy is refused').env('ORDO_SECRETS').default('./secrets'))
    .action(async (file: string, o: { db: string; secrets: string }) => {
      if (isPostgresUrl(o.db)) {
        throw new CliError('backup copies a SQLite file; back up PostgreSQL with pg_dump or a base backup, keeping the secrets apart (docs/operations.md, "PostgreSQL")');
      }
      const { backupDatabase, formatBytes } = await import('../backup.js'); // loads the SQLite driver only here
      const r = await backupDatabase({ db: o.db, file, secrets: o.secrets });
      print(g(), r, () => `${r.source} copied to ${r.file}: ${formatBytes(r.bytes)}, ${r.prescriptions} prescriptions, ${r.events} events; integrity check ok`);
    });

  program
    .command('migrate')
    .description('apply the pending migrations to the database (a PostgreSQL URL or a SQLite file) without starting Ordo: for a PostgreSQL database that Ordo on Workers reaches through Hyperdrive')
    .addOption(new Option('--db <url-or-path>', 'the database').env('ORDO_DB').default('./data/ordo.db'))
    .action(async (o: { db: string }) => {
      const { migrateDatabase } = await import('../migrate.js');
      const r = await migrateDatabase(o.db);
      print(g(), r, () => `${r.database} is migrated (${r.kind === 'postgres' ? 'drizzle/pg' : 'drizzle'}): every migration applied`);
    });

  program
    .command('rotate-signing-key')
    .description("replace Ordo's receipt key in the secrets folder; the old public key stays published (retired-signing-keys.json). Restart Ordo afterwards")
    .addOption(new Option('--secrets <dir>', 'the secrets folder').env('ORDO_SECRETS').default('./secrets'))
    .action(async (o: { secrets: string }) => {
      const { rotateSigningKey } = await import('../rotate-signing-key.js');
      const r = await rotateSigningKey(o.secrets);
      print(g(), { ...r, restartNeeded: true }, () => [
        `new receipt key ${r.kid} written to ${r.secretsDir}/signing-key.jwk`,
        `old key ${r.retiredKid} retired: its public half is in ${r.secretsDir}/retired-signing-keys.json (${r.retired.length} retired key${r.retired.length > 1 ? 's' : ''})`,
        'Restart Ordo (every process) to sign with the new key; until then it signs with the old one, which stays published.',
      ]);
    });

  program
    .command('demo')
    .description('the whole story against a running Ordo (--url with --admin-token) or, by default, an in-process one')
    .option('--png <file>', 'where to write the DataMatrix PNG (default: a new file in the temporary folder)')
    .option('--remote', 'use the Ordo at --url instead of starting one')
    .action(async (o: { png?: string; remote?: boolean }) => {
      const ok = await runDemo({ ...g(), remote: o.remote, png: o.png, out: (line) => process.stdout.write(`${line}\n`) });
      if (!ok) process.exitCode = 1;
    });
}
