/**
 * The prescriber's commands: `prescribe`, `list`, `cancel`, and `reprint` and `rotate` (the code
 * again, or a new one). Where a code comes back, the DataMatrix files asked for are opened before
 * anything is sent, and the code is printed even if writing them fails afterwards.
 */
import type { Command } from 'commander';
import type { Issued, OrdoClient } from '../../client/client.js';
import { wholeNumber } from '../args.js';
import { actorOpts, client, CliError, explain, loadActor, print, readJson, type ActorOptions, type Globals } from '../context.js';
import { discardAll, openOutputs, type Output } from '../files.js';

type Images = { png?: string; svg?: string };
type Outputs = Partial<Record<keyof Images, Output>>;
type WithCode = { code: string; datamatrix?: Issued['datamatrix'] };

const imageOptions = (c: Command) => c.option('--png <file>', 'write the DataMatrix as PNG (checked before anything is sent)').option('--svg <file>', 'write the DataMatrix as SVG');
/** What to ask for with the answer itself; the other format, if both are wanted, is fetched after. */
const inlineFormat = (o: Images) => (o.png ? 'png' : o.svg ? 'svg' : undefined);

/** Writes each image asked for; says what was written and what failed (the code is issued by now: nothing is thrown). */
async function saveImages(c: OrdoClient, r: WithCode, outs: Outputs): Promise<{ written: string[]; failed: string[] }> {
  const written: string[] = [];
  const failed: string[] = [];
  for (const format of ['png', 'svg'] as const) {
    const out = outs[format];
    if (!out) continue;
    try {
      const inline = r.datamatrix && format in r.datamatrix ? (r.datamatrix as Record<string, string>)[format] : undefined;
      const data = inline === undefined ? await c.datamatrix(r.code, format) : format === 'png' ? Buffer.from(inline, 'base64') : inline;
      out.write(data);
      written.push(out.file);
    } catch (err) {
      out.discard();
      failed.push(explain(err).message.replace(/^Error: /, ''));
    }
  }
  return { written, failed };
}

/**
 * Sends `send` with the outputs open, prints the answer (the code first of all), then reports
 * any image that could not be written, with the command that writes it again.
 */
async function withCode<T extends WithCode>(g: Globals, c: OrdoClient, o: Images, send: (format?: 'png' | 'svg') => Promise<T>, show: (r: T) => [object, string[]], again: (r: T) => string) {
  const outs = openOutputs<keyof Images>({ png: o.png, svg: o.svg }, { overwrite: true });
  let r: T;
  try {
    r = await send(inlineFormat(o));
  } catch (err) {
    discardAll(outs);
    throw err;
  }
  const { written, failed } = await saveImages(c, r, outs);
  const [json, lines] = show(r);
  print(g(), json, () => [...lines, ...written.map((f) => `DataMatrix: ${f}`)]);
  if (failed.length) throw new CliError(`${failed.join('; ')}. The code is printed above; \`${again(r)} --png FILE\` writes its DataMatrix again`);
}

export function prescriberCommands(program: Command, g: Globals) {
  imageOptions(actorOpts(program.command('prescribe <file>')))
    .description('sign and send a prescription (a JSON payload; iss, aud, jti and iat are filled in)')
    .action(async (file: string, o: ActorOptions & Images) => {
      const c = client(g(), await loadActor(o));
      const doc = readJson<Record<string, unknown>>(file, 'prescription');
      await withCode(g, c, o, (datamatrix) => c.prescribe(doc, { datamatrix }), ({ datamatrix: _d, ...r }) => [r, [`prescription ${r.id} ${r.status}, valid until ${r.validUntil}`, `code: ${r.code}`]], (r) => `ordo reprint ${r.id}`);
    });

  actorOpts(program.command('list'))
    .description('your prescriptions, newest first')
    .option('--state <state>', 'active, claimed, completed, cancelled or expired')
    .option('--limit <n>', 'page size', wholeNumber('prescriptions per page'))
    .option('--cursor <cursor>')
    .action(async (o: ActorOptions & { state?: string; limit?: number; cursor?: string }) => {
      const r = await client(g(), await loadActor(o)).list({ state: o.state, limit: o.limit, cursor: o.cursor });
      print(g(), r, () => [...r.items.map((i) => `${i.id}  ${i.status.padEnd(9)}  issued ${i.issuedAt}  valid until ${i.validUntil}  ${i.items} item(s)`), ...(r.nextCursor ? [`more: --cursor ${r.nextCursor}`] : [])]);
    });

  actorOpts(program.command('cancel <id>'))
    .description('cancel one of your prescriptions')
    .requiredOption('--reason <text>', 'why (stored sealed, shown to pharmacists)')
    .action(async (id: string, o: ActorOptions & { reason: string }) => {
      const r = await client(g(), await loadActor(o)).cancel(id, o.reason);
      print(g(), r, () => `${id} ${r.status}`);
    });

  imageOptions(actorOpts(program.command('reprint <id>')))
    .description('print the current code of one of your prescriptions again (nothing changes)')
    .action(async (id: string, o: ActorOptions & Images) => {
      const c = client(g(), await loadActor(o));
      await withCode(g, c, o, (datamatrix) => c.reprint(id, { datamatrix }), ({ datamatrix: _d, ...r }) => [{ id, ...r }, [`prescription ${id}`, `code: ${r.code}`]], () => `ordo reprint ${id}`);
    });

  imageOptions(actorOpts(program.command('rotate <id>')))
    .description('give one of your prescriptions a new code (a lost or exposed one): the old code answers 404 from then on')
    .action(async (id: string, o: ActorOptions & Images) => {
      const c = client(g(), await loadActor(o));
      await withCode(g, c, o, (datamatrix) => c.reprint(id, { rotate: true, datamatrix }), ({ datamatrix: _d, ...r }) => [{ id, ...r }, [`prescription ${id}`, `new code: ${r.code} (the old code no longer works)`]], () => `ordo reprint ${id}`);
    });
}
