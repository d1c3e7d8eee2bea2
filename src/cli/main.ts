/**
 * `ordo`: the command line for registrars, prescribers, pharmacies and verifiers.
 * Every command takes --json for scripts; expected errors print one or two lines and exit 1.
 */
import { Command, Option } from 'commander';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { exportTrace, parseBundle, timeline, verifyBundle, type TraceBundle } from '../client/bundle.js';
import { exportPrivateJwk, publicJwkOf } from '../client/keys.js';
import { generateKey } from '../client/sign.js';
import { runDemo } from './demo.js';
import { client, CliError, codeArg, explain, loadActor, print, readJson, type ActorOptions, type GlobalOptions } from './context.js';

const program = new Command('ordo')
  .description('Ordo: dematerialised prescriptions, from the command line.')
  .addOption(new Option('--url <url>', 'where Ordo is').env('ORDO_URL').default('http://localhost:8787'))
  .addOption(new Option('--issuer <issuer>', 'ORDO_ISSUER of that server (aud of tokens); defaults to --url').env('ORDO_ISSUER'))
  .addOption(new Option('--admin-token <token>', 'the registrar token').env('ORDO_ADMIN_TOKEN'))
  .option('--json', 'print JSON for scripts')
  .option('--field <path>', 'print one field of the JSON answer, e.g. code or claim.id')
  .showHelpAfterError();

const g = (): GlobalOptions => program.opts<GlobalOptions>();
const actorOpts = (c: Command) => c.option('--key <file>', 'your private key file (JWK)').option('--as <id>', 'your actor id (RPPS, FINESS…)');
const writeFile = (file: string, data: string | Uint8Array) => writeFileSync(file, data);

program
  .command('keygen')
  .description('make a key pair: writes the private JWK (mode 0600), prints the public JWK and its kid')
  .requiredOption('--out <file>', 'where to write the private key')
  .addOption(new Option('--type <type>', 'key type').choices(['ed25519', 'p256']).default('ed25519'))
  .action(async (o: { out: string; type: string }) => {
    const key = await generateKey(o.type === 'p256' ? 'P-256' : 'Ed25519');
    try {
      writeFileSync(o.out, `${JSON.stringify(await exportPrivateJwk(key))}\n`, { mode: 0o600, flag: 'wx' });
    } catch {
      throw new CliError(`${o.out} exists or cannot be written: keygen never overwrites a key`);
    }
    print(g(), { kid: key.kid, publicJwk: key.publicJwk, file: o.out }, () => [`private key written to ${o.out} (keep it secret)`, `kid: ${key.kid}`, `public JWK: ${JSON.stringify(key.publicJwk)}`]);
  });

const admin = program.command('admin').description('registrar operations (need --admin-token or ORDO_ADMIN_TOKEN)');
const publicKeyFrom = (file: string) => publicJwkOf(readJson<JWK>(file, 'key file'));
admin
  .command('actor')
  .description('manage actors')
  .command('add')
  .description('add a prescriber or a pharmacy with a public key')
  .requiredOption('--id <id>', 'actor id')
  .addOption(new Option('--kind <kind>', 'actor kind').choices(['prescriber', 'pharmacy']).makeOptionMandatory())
  .requiredOption('--name <name>', 'display name')
  .option('--profession <profession>')
  .option('--specialty <specialty>')
  .requiredOption('--key <file>', 'a key file (public or private JWK: only the public half is sent)')
  .action(async (o: { id: string; kind: 'prescriber' | 'pharmacy'; name: string; profession?: string; specialty?: string; key: string }) => {
    const entry = await client(g()).addActor({ id: o.id, kind: o.kind, name: o.name, profession: o.profession, specialty: o.specialty, keys: [publicKeyFrom(o.key)] });
    print(g(), entry, () => `added ${entry.kind} ${entry.id} (${entry.name}) with key ${entry.keys[0]?.kid}`);
  });
const keyCmd = admin.command('key').description("manage an actor's keys");
keyCmd.command('add <id>').description('add a public key').requiredOption('--key <file>', 'a key file').action(async (id: string, o: { key: string }) => {
  const r = await client(g()).addKey(id, publicKeyFrom(o.key));
  print(g(), r, () => `key ${r.kid} added to ${id}`);
});
keyCmd.command('revoke <id> <kid>').description('revoke a key (it stays listed)').action(async (id: string, kid: string) => {
  const r = await client(g()).revokeKey(id, kid);
  print(g(), r, () => `key ${kid} of ${id} revoked at ${r.revokedAt}`);
});
for (const action of ['suspend', 'reinstate'] as const) {
  admin.command(`${action} <id>`).description(`${action} an actor`).action(async (id: string) => {
    const r = await client(g())[action](id);
    print(g(), r, () => `${id} is ${r.status}`);
  });
}

actorOpts(program.command('prescribe <file>'))
  .description('sign and send a prescription (a JSON payload; iss, aud, jti and iat are filled in)')
  .option('--png <file>', 'write the DataMatrix as PNG')
  .option('--svg <file>', 'write the DataMatrix as SVG')
  .action(async (file: string, o: ActorOptions & { png?: string; svg?: string }) => {
    const c = client(g(), await loadActor(o));
    const r = await c.prescribe(readJson<Record<string, unknown>>(file, 'prescription'), { datamatrix: o.png ? 'png' : o.svg ? 'svg' : undefined });
    if (o.png && r.datamatrix && 'png' in r.datamatrix) writeFile(o.png, Buffer.from(r.datamatrix.png, 'base64'));
    if (o.svg && r.datamatrix && 'svg' in r.datamatrix) writeFile(o.svg, r.datamatrix.svg);
    if (o.png && o.svg) writeFile(o.svg, await c.datamatrix(r.code, 'svg'));
    const { datamatrix: _d, ...rest } = r;
    print(g(), rest, () => [`prescription ${r.id} ${r.status}, valid until ${r.validUntil}`, `code: ${r.code}`, ...(o.png ? [`DataMatrix: ${o.png}`] : []), ...(o.svg ? [`DataMatrix: ${o.svg}`] : [])]);
  });

actorOpts(program.command('list'))
  .description('your prescriptions, newest first')
  .option('--state <state>', 'active, claimed, completed, cancelled or expired')
  .option('--limit <n>', 'page size', (v) => Number(v))
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

actorOpts(program.command('claim <code>'))
  .description('claim a prescription for your pharmacy')
  .option('--ttl <seconds>', 'hold it longer (goods on order)', (v) => Number(v))
  .action(async (code: string, o: ActorOptions & { ttl?: number }) => {
    const r = await client(g(), await loadActor(o)).claim(codeArg(code), o.ttl);
    print(g(), r, () => [`claim ${r.claim.id} on ${r.prescription.id} until ${r.claim.expiresAt}`, ...r.prescription.remaining.map((x) => `  item ${x.item}: ${x.remaining} of ${x.total} left`)]);
  });

/** `--line 0:2`, `--line 1:0:out_of_stock`, `--line 0:1:lot=A123`. */
function parseLine(text: string, acc: unknown[] = []) {
  const [item, quantity, ...rest] = text.split(':');
  if (!/^\d+$/.test(item ?? '') || !/^\d+$/.test(quantity ?? '')) throw new CliError(`--line ${text}: expected ITEM:QUANTITY[:REASON][:lot=LOT]`);
  const line: Record<string, unknown> = { item: Number(item), quantity: Number(quantity) };
  for (const r of rest) if (r.startsWith('lot=')) line.lot = r.slice(4); else line.reason = r;
  return [...acc, line];
}

actorOpts(program.command('dispense <claim>'))
  .description('record a dispensing under your claim')
  .requiredOption('--prescription <id>', 'the prescription id')
  .option('--line <item:quantity[:reason][:lot=LOT]>', 'a line (repeat for several)', parseLine)
  .action(async (claim: string, o: ActorOptions & { prescription: string; line?: never[] }) => {
    if (!o.line?.length) throw new CliError('give at least one --line ITEM:QUANTITY');
    const r = await client(g(), await loadActor(o)).dispense(claim, o.prescription, o.line);
    print(g(), r, () => [`dispensed; prescription now ${r.status}`, ...r.remaining.map((x) => `  item ${x.item}: ${x.remaining} of ${x.total} left`), ...(r.nextDueAt ? [`next due: ${r.nextDueAt}`] : [])]);
  });

actorOpts(program.command('release <claim>'))
  .description('release your claim without dispensing')
  .requiredOption('--prescription <id>', 'the prescription id')
  .option('--reason <text>')
  .action(async (claim: string, o: ActorOptions & { prescription: string; reason?: string }) => {
    const r = await client(g(), await loadActor(o)).release(claim, o.prescription, o.reason);
    print(g(), r, () => `claim ${claim} released; prescription ${r.status}`);
  });

program
  .command('trace <code>')
  .description('export a self-contained evidence bundle, verifiable offline years later')
  .requiredOption('--out <file>', 'where to write the bundle (JSON)')
  .action(async (code: string, o: { out: string }) => {
    const bundle = await exportTrace(client(g()), codeArg(code));
    writeFileSync(o.out, `${JSON.stringify(bundle, null, 2)}\n`, { mode: 0o600 });
    print(g(), { file: o.out, events: bundle.events.length }, () => `${bundle.events.length} events of ${bundle.prescriptionId} written to ${o.out}`);
  });

program
  .command('verify <codeOrFile>')
  .description('verify a trace (fetched with a code, or from a bundle file) offline; exit 1 on the first failure')
  .option('--receipts <dir>', 'receipts you kept (files holding one JWS each): checked against the chain')
  .action(async (arg: string, o: { receipts?: string }) => {
    let bundle: TraceBundle;
    try {
      bundle = parseBundle(readFileSync(arg, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError((err as Error).message);
      bundle = await exportTrace(client(g()), codeArg(arg));
    }
    const kept = o.receipts ? readdirSync(o.receipts).map((f) => readFileSync(join(o.receipts!, f), 'utf8').trim()).filter(Boolean) : [];
    const result = await verifyBundle(bundle, kept);
    print(g(), { ...result, prescriptionId: bundle.prescriptionId, timeline: timeline(bundle) }, () => [
      ...timeline(bundle),
      result.ok ? `verified: ${result.events} events, every hash, signature and receipt${kept.length ? `, and ${kept.length} kept receipt(s)` : ''}` : `NOT VERIFIED at event ${result.index ?? '-'} (${result.check}): ${result.message}`,
    ]);
    if (!result.ok) process.exitCode = 1;
  });

program
  .command('backup <file>')
  .description("copy a running Ordo's SQLite database to FILE (a new file), consistently, while it keeps serving; keep the secrets folder apart")
  .addOption(new Option('--db <path>', 'the database to copy').env('ORDO_DB').default('./data/ordo.db'))
  .addOption(new Option('--secrets <dir>', 'the secrets folder, where a copy is refused').env('ORDO_SECRETS').default('./secrets'))
  .action(async (file: string, o: { db: string; secrets: string }) => {
    const { backupDatabase, formatBytes } = await import('./backup.js'); // loads the SQLite driver only here
    const r = await backupDatabase({ db: o.db, file, secrets: o.secrets });
    print(g(), r, () => `${r.source} copied to ${r.file}: ${formatBytes(r.bytes)}, ${r.prescriptions} prescriptions, ${r.events} events; integrity check ok`);
  });

program
  .command('rotate-signing-key')
  .description("replace Ordo's receipt key in the secrets folder; the old public key stays published (retired-signing-keys.json). Restart Ordo afterwards")
  .addOption(new Option('--secrets <dir>', 'the secrets folder').env('ORDO_SECRETS').default('./secrets'))
  .action(async (o: { secrets: string }) => {
    const { rotateSigningKey } = await import('./rotate-signing-key.js');
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
  .option('--png <file>', 'where to write the DataMatrix PNG')
  .option('--remote', 'use the Ordo at --url instead of starting one')
  .action(async (o: { png?: string; remote?: boolean }) => {
    const ok = await runDemo({ ...g(), remote: o.remote, png: o.png, out: (line) => process.stdout.write(`${line}\n`) });
    if (!ok) process.exitCode = 1;
  });

export async function main(argv = process.argv) {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const { message, exitCode } = explain(err);
    process.stderr.write(`${message}\n`);
    process.exitCode = exitCode;
  }
}
