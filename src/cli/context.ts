/** What every CLI command shares: configuration, key files, the client, output and errors. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { OrdoClient, type Actor } from '../client/client.js';
import { OrdoProblemError } from '../client/errors.js';
import { signingKeyFromJwk } from '../client/keys.js';

export type GlobalOptions = { url: string; issuer?: string; adminToken?: string; json?: boolean; field?: string };
export type ActorOptions = { key?: string; as?: string };

/** An error the user can act on: printed as one line (`Error: …`), exit 1, never a stack trace. */
export class CliError extends Error {}

/** The bytes of `file` (`-`: standard input); a CliError saying why it cannot be read. */
export function readBytes(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(file === '-' ? readFileSync(0) : readFileSync(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const why = ({ ENOENT: 'it does not exist', EISDIR: 'it is a folder', EACCES: 'permission denied', ENOTDIR: 'a part of the path is not a folder' } as Record<string, string>)[code] ?? code;
    throw new CliError(`cannot read ${what} ${file}${why ? ` (${why})` : ''}`);
  }
}

export function readJson<T>(file: string, what: string): T {
  const text = new TextDecoder().decode(readBytes(file, what));
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CliError(`${what} ${file} is not JSON`);
  }
}

/** The options of every prescriber and pharmacy command. */
export const actorOpts = (c: Command) => c.option('--key <file>', 'your private key file (JWK)').option('--as <id>', 'your actor id (RPPS, FINESS…)');

export async function loadActor(o: ActorOptions): Promise<Actor> {
  const keyFile = o.key ?? process.env.ORDO_KEY;
  const id = o.as ?? process.env.ORDO_AS;
  if (!keyFile || !id) throw new CliError('this command acts as a prescriber or pharmacy: give --key FILE and --as ID (or ORDO_KEY and ORDO_AS)');
  try {
    return { id, key: await signingKeyFromJwk(readJson<JWK>(keyFile, 'key file')) };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${keyFile}: ${(err as Error).message}`);
  }
}

/** The global options as every command reads them. */
export type Globals = () => GlobalOptions;

/** An empty variable (`ORDO_ISSUER=`) counts as unset. */
export const given = (v: string | undefined) => (v ? v : undefined);

export function client(g: GlobalOptions, actor?: Actor): OrdoClient {
  const url = given(g.url) ?? 'http://localhost:8787';
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // said below
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new CliError(`--url ${url} is not an http(s) URL (e.g. http://localhost:8787)`);
  return new OrdoClient({ url, issuer: given(g.issuer) ?? given(process.env.ORDO_ISSUER), adminToken: given(g.adminToken) ?? given(process.env.ORDO_ADMIN_TOKEN), actor });
}

/** Code arguments may be '-' to read from standard input (so a code need not sit in shell history). */
export function codeArg(code: string): string {
  if (code !== '-') return code;
  const read = readFileSync(0, 'utf8').trim();
  if (!read) throw new CliError('no code on standard input');
  return read;
}

export function print(g: GlobalOptions, value: unknown, human: () => string | string[]) {
  if (g.field) {
    const picked = g.field.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
    if (picked === undefined) throw new CliError(`--field ${g.field}: the answer has no such field`);
    process.stdout.write(`${typeof picked === 'string' ? picked : JSON.stringify(picked)}\n`);
    return;
  }
  const out = g.json ? JSON.stringify(value, null, 2) : [human()].flat().join('\n');
  process.stdout.write(`${out}\n`);
}

/** Turns any failure into a short message and an exit code. */
export function explain(err: unknown): { message: string; exitCode: number } {
  if (err instanceof OrdoProblemError) return { message: `Error (${err.status} ${err.code}): ${err.problem.title}. ${err.problem.detail}`, exitCode: 1 };
  if (err instanceof CliError) return { message: `Error: ${err.message}`, exitCode: 1 };
  if (err instanceof TypeError && /fetch failed/.test(err.message)) return { message: `Error: cannot reach Ordo (${(err.cause as Error)?.message ?? err.message})`, exitCode: 1 };
  const fsError = err as NodeJS.ErrnoException;
  if (typeof fsError?.code === 'string' && typeof fsError.path === 'string') return { message: `Error: cannot use ${fsError.path} (${fsError.code})`, exitCode: 1 };
  return { message: `Error: ${(err as Error)?.message ?? String(err)}`, exitCode: 1 };
}
