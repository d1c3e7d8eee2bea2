/** The code holder's and the verifier's commands: `lookup`, `trace` and `verify`. */
import type { Command } from 'commander';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exportTrace, parseBundle, timeline, verifyEvidence, type TraceBundle } from '../../client/bundle.js';
import { certificateCheck } from '../../client/certified.js';
import { AnchorError } from '../../crypto/x509/types.js';
import { parseCode } from '../../domain/code.js';
import { client, CliError, codeArg, print, type Globals } from '../context.js';
import { openOutput } from '../files.js';

const statOrNull = (path: string) => {
  try {
    return statSync(path);
  } catch {
    return null;
  }
};

/** A bundle file as `ordo trace --out` wrote it; each way it can fail in one line. */
function readBundle(file: string): TraceBundle {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON: give a bundle written by \`ordo trace CODE --out FILE\`, or a code`);
  }
  try {
    return parseBundle(text);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
}

/** The receipts kept in `dir`, one JWS per file. */
function keptReceipts(dir: string): string[] {
  const st = statOrNull(dir);
  if (!st) throw new CliError(`receipts folder ${dir} does not exist`);
  if (!st.isDirectory()) throw new CliError(`--receipts ${dir} is not a folder`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(dir, e.name), 'utf8').trim())
    .filter(Boolean);
}

/** What the log proved, in one line. */
function logLine(l: { included: number; pending: number; size?: number; existedBy?: string }): string {
  if (!l.included) return `log: no event is in the transparency log yet${l.pending ? ` (${l.pending} pending)` : ''}`;
  const by = l.existedBy ? `; the checkpoint existed by ${l.existedBy} (RFC 3161 timestamp)` : '';
  return `log: ${l.included} event(s) included in the log of size ${l.size}${l.pending ? `, ${l.pending} not yet integrated at export` : ''}${by}`;
}

function readText(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`${option}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The check of certified keys against the anchors of `file`, which must parse. */
async function anchorsCheck(text: string, file: string, bundle: TraceBundle) {
  try {
    return await certificateCheck(text, bundle);
  } catch (err) {
    if (err instanceof AnchorError) throw new CliError(`--anchors ${file}: ${err.message}`);
    throw err;
  }
}

export function traceCommands(program: Command, g: Globals) {
  program.command('lookup <code>').description("open a prescription with its code ('-' reads it from stdin)").action(async (code: string) => {
    const r = await client(g()).lookup(codeArg(code));
    const items = (r.prescription.content?.items ?? []) as { label: string }[];
    print(g(), r, () => [
      `prescription ${r.prescription.id}: ${r.status}, valid until ${r.prescription.validUntil}, by ${r.prescription.prescriber.name ?? r.prescription.prescriber.id}`,
      ...r.remaining.map((x) => `  item ${x.item} ${items[x.item]?.label ?? ''}: ${x.dispensed}/${x.total} dispensed, ${x.remaining} left`),
      ...(r.nextDueAt ? [`next due: ${r.nextDueAt}`] : []),
      ...(r.prescription.document === null ? ['the stored document cannot be opened: do not dispense; `ordo trace` and `ordo verify` name the damaged event'] : []),
    ]);
  });

  program
    .command('trace <code>')
    .description("export a self-contained evidence bundle, verifiable offline years later ('-' reads the code from stdin)")
    .requiredOption('--out <file>', 'where to write the bundle (JSON; replaced if it exists)')
    .action(async (code: string, o: { out: string }) => {
      const out = openOutput(o.out, { overwrite: true });
      let bundle: TraceBundle;
      try {
        bundle = await exportTrace(client(g()), codeArg(code));
      } catch (err) {
        out.discard();
        throw err;
      }
      out.write(`${JSON.stringify(bundle, null, 2)}\n`);
      print(g(), { file: o.out, events: bundle.events.length }, () => `${bundle.events.length} events of ${bundle.prescriptionId} written to ${o.out}`);
    });

  program
    .command('verify <codeOrFile>')
    .description('verify a trace (from a bundle file, or fetched with a code) offline; exit 1 on the first failure')
    .option('--receipts <dir>', 'receipts you kept (files holding one JWS each): checked against the chain')
    .option('--log-key <vkey>', "the log key you trust (Ordo's /.well-known/ordo-log-key, compared out of band); default: the one in the bundle")
    .option('--tsa-cert <file>', 'PEM certificates of the time-stamping authority you trust; default: those in the bundle')
    .option('--anchors <file>', "the health PKI's CA certificates you trust, as ORDO_TRUST_ANCHORS: needed when a signer's key is certified")
    .action(async (arg: string, o: { receipts?: string; logKey?: string; tsaCert?: string; anchors?: string }) => {
      const kept = o.receipts ? keptReceipts(o.receipts) : [];
      const tsa = o.tsaCert ? [readText(o.tsaCert, '--tsa-cert')] : undefined;
      const anchors = o.anchors ? readText(o.anchors, '--anchors') : undefined;
      const st = arg === '-' ? null : statOrNull(arg);
      if (st?.isDirectory()) throw new CliError(`${arg} is a folder: give a bundle file or a code`);
      const parsed = parseCode(arg);
      if (!st && arg !== '-' && !parsed.ok && parsed.reason === 'malformed') throw new CliError(`${arg} does not exist (and it is not a prescription code)`);
      const bundle = st ? readBundle(arg) : await exportTrace(client(g()), codeArg(arg));
      const certificates = anchors === undefined ? undefined : await anchorsCheck(anchors, o.anchors!, bundle);
      const result = await verifyEvidence(bundle, kept, { key: o.logKey?.trim(), tsa, certificates });
      print(g(), { ...result, prescriptionId: bundle.prescriptionId, timeline: timeline(bundle) }, () => [
        ...timeline(bundle),
        result.ok
          ? `verified: ${result.events} events, every hash, signature and receipt${certificates ? ', and certified keys against the anchors' : ''}${kept.length ? `, and ${kept.length} kept receipt(s)` : ''}`
          : `NOT VERIFIED at event ${result.index ?? '-'} (${result.check}): ${result.message}`,
        ...(result.ok ? [logLine(result.log)] : []),
      ]);
      if (!result.ok) process.exitCode = 1;
    });
}
