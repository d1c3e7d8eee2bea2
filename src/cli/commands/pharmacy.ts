/** The pharmacy's commands: `claim`, `dispense`, `correct` and `release`. */
import type { Command } from 'commander';
import type { DispenseLineInput } from '../../client/client.js';
import { dispenseLine, wholeNumber } from '../args.js';
import { actorOpts, client, CliError, codeArg, loadActor, print, type ActorOptions, type Globals } from '../context.js';

export function pharmacyCommands(program: Command, g: Globals) {
  actorOpts(program.command('claim <code>'))
    .description("claim a prescription for your pharmacy ('-' reads the code from stdin)")
    .option('--ttl <seconds>', 'hold it longer (goods on order)', wholeNumber('seconds'))
    .action(async (code: string, o: ActorOptions & { ttl?: number }) => {
      const actor = await loadActor(o);
      const r = await client(g(), actor).claim(codeArg(code), o.ttl);
      print(g(), r, () => [`claim ${r.claim.id} on ${r.prescription.id} until ${r.claim.expiresAt}`, ...r.prescription.remaining.map((x) => `  item ${x.item}: ${x.remaining} of ${x.total} left`)]);
    });

  actorOpts(program.command('dispense <claim>'))
    .description('record a dispensing under your claim')
    .requiredOption('--prescription <id>', 'the prescription id')
    .option('--line <item:quantity[:reason][:lot=LOT]>', 'a line (repeat for several)', dispenseLine)
    .action(async (claim: string, o: ActorOptions & { prescription: string; line?: DispenseLineInput[] }) => {
      if (!o.line?.length) throw new CliError('give at least one --line ITEM:QUANTITY');
      const r = await client(g(), await loadActor(o)).dispense(claim, o.prescription, o.line);
      print(g(), r, () => [`dispensed; prescription now ${r.status}`, ...r.remaining.map((x) => `  item ${x.item}: ${x.remaining} of ${x.total} left`), ...(r.nextDueAt ? [`next due: ${r.nextDueAt}`] : [])]);
    });

  actorOpts(program.command('correct <claim>'))
    .description('correct your dispensing record under a claim, within 24 hours: the lines replace the whole record')
    .requiredOption('--prescription <id>', 'the prescription id')
    .requiredOption('--corrects <index>', 'the index of the event whose record this replaces (the dispense, or its latest correction)', wholeNumber('an event index'))
    .option('--line <item:quantity[:reason][:lot=LOT]>', 'a line (repeat for several)', dispenseLine)
    .action(async (claim: string, o: ActorOptions & { prescription: string; corrects: number; line?: DispenseLineInput[] }) => {
      if (!o.line?.length) throw new CliError('give at least one --line ITEM:QUANTITY');
      const r = await client(g(), await loadActor(o)).correct(claim, o.prescription, o.corrects, o.line);
      print(g(), r, () => [`corrected event ${o.corrects}; prescription now ${r.status}`, ...r.remaining.map((x) => `  item ${x.item}: ${x.remaining} of ${x.total} left`), ...(r.nextDueAt ? [`next due: ${r.nextDueAt}`] : [])]);
    });

  actorOpts(program.command('release <claim>'))
    .description('release your claim without dispensing')
    .requiredOption('--prescription <id>', 'the prescription id')
    .option('--reason <text>')
    .action(async (claim: string, o: ActorOptions & { prescription: string; reason?: string }) => {
      const r = await client(g(), await loadActor(o)).release(claim, o.prescription, o.reason);
      print(g(), r, () => `claim ${claim} released; prescription ${r.status}`);
    });
}
