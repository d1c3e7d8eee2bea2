/** Keys and the directory: `keygen`, and the registrar's `admin …` commands. */
import { Option, type Command } from 'commander';
import type { JWK } from 'jose';
import { exportPrivateJwk, publicJwkOf } from '../../client/keys.js';
import { generateKey } from '../../client/sign.js';
import { client, print, readBytes, readJson, type Globals } from '../context.js';
import { openOutput } from '../files.js';

export function adminCommands(program: Command, g: Globals) {
  program
    .command('keygen')
    .description('make a key pair: writes the private JWK (mode 0600, never over an existing file), prints the public JWK and its kid')
    .requiredOption('--out <file>', 'where to write the private key (a new file)')
    .addOption(new Option('--type <type>', 'key type').choices(['ed25519', 'p256']).default('ed25519'))
    .action(async (o: { out: string; type: string }) => {
      const out = openOutput(o.out, { overwrite: false, exists: `${o.out} exists: keygen never overwrites a key file; choose another name, or remove it yourself if you are sure it is not needed` });
      try {
        const key = await generateKey(o.type === 'p256' ? 'P-256' : 'Ed25519');
        out.write(`${JSON.stringify(await exportPrivateJwk(key))}\n`);
        print(g(), { kid: key.kid, publicJwk: key.publicJwk, file: o.out }, () => [`private key written to ${o.out} (keep it secret)`, `kid: ${key.kid}`, `public JWK: ${JSON.stringify(key.publicJwk)}`]);
      } finally {
        out.discard(); // a no-op once written
      }
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
  admin
    .command('crl <file>')
    .description("load a CA's certificate revocation list (DER or PEM): the keys of the certificates it lists are revoked at its dates")
    .action(async (file: string) => {
      const bytes = readBytes(file, 'CRL');
      const pem = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart().startsWith('-----BEGIN');
      const r = await client(g()).loadCrl(bytes, pem ? 'application/x-pem-file' : 'application/pkix-crl');
      print(g(), r, () => [
        `CRL of ${r.issuer} (thisUpdate ${r.thisUpdate}, nextUpdate ${r.nextUpdate ?? 'none'}) ${r.kept ? 'kept' : 'not kept: a list at least as recent is kept already'}`,
        `${r.revokedKeys.length} key${r.revokedKeys.length === 1 ? '' : 's'} revoked`,
        ...r.revokedKeys.map((k) => `  ${k.actorId} ${k.kid} at ${k.revokedAt}`),
      ]);
    });
  for (const action of ['suspend', 'reinstate'] as const) {
    admin.command(`${action} <id>`).description(`${action} an actor`).action(async (id: string) => {
      const r = await client(g())[action](id);
      print(g(), r, () => `${id} is ${r.status}`);
    });
  }
}
