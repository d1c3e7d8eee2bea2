/**
 * `ordo`: the command line for registrars, prescribers, pharmacies and verifiers. The commands
 * are in commands/, by who runs them. Every command takes --json for scripts; every expected
 * error (usage errors included) prints one line and exits 1; files are checked before anything
 * is sent (files.ts).
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { commanderExit, oneLineErrors } from './args.js';
import { adminCommands } from './commands/admin.js';
import { conformanceCommands } from './commands/conformance.js';
import { feedCommands } from './commands/feed.js';
import { logCommands } from './commands/log.js';
import { operatorCommands } from './commands/operator.js';
import { pharmacyCommands } from './commands/pharmacy.js';
import { prescriberCommands } from './commands/prescriber.js';
import { traceCommands } from './commands/trace.js';
import { explain, type GlobalOptions } from './context.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('ordo')
  .description('Ordo: dematerialised prescriptions, from the command line.')
  .version(version, '-V, --version', 'print the version of ordo')
  .addOption(new Option('--url <url>', 'where Ordo is').env('ORDO_URL').default('http://localhost:8787'))
  .addOption(new Option('--issuer <issuer>', 'ORDO_ISSUER of that server (aud of tokens); defaults to --url').env('ORDO_ISSUER'))
  .addOption(new Option('--admin-token <token>', 'the registrar token').env('ORDO_ADMIN_TOKEN'))
  .option('--json', 'print JSON for scripts')
  .option('--field <path>', 'print one field of the JSON answer, e.g. code or claim.id');

const g = (): GlobalOptions => program.opts<GlobalOptions>();

adminCommands(program, g);
prescriberCommands(program, g);
pharmacyCommands(program, g);
traceCommands(program, g);
operatorCommands(program, g);
logCommands(program, g);
feedCommands(program, g);
conformanceCommands(program, g);
oneLineErrors(program);

export async function main(argv = process.argv) {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const exitCode = commanderExit(err); // commander has printed its message (or the help) already
    if (exitCode !== null) {
      process.exitCode = exitCode;
      return;
    }
    const { message, exitCode: code } = explain(err);
    process.stderr.write(`${message}\n`);
    process.exitCode = code;
  }
}
