/**
 * An integrator can build with types generated from the live document: openapi-typescript turns
 * /openapi.json into TypeScript, and examples/typed-client.ts (the snippet of docs/api.md §
 * Generating a client, byte for byte) type-checks against it under strict — and fails to when it
 * misuses the API. The client then runs against a listening Ordo; the documented command is run too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { logTurn } from '../../src/service/log/turn.js';
import { issue, makeHarness } from '../support/harness.js';

const root = join(import.meta.dirname, '../..');
const clientFile = join(root, 'examples/typed-client.ts');
const client = readFileSync(clientFile, 'utf8');

const h = await makeHarness();
const doc = await (await h.send('GET', '/openapi.json')).json();
const dir = mkdtempSync(join(tmpdir(), 'ordo-typed-client-'));
// The generated types and the client side by side, with the project's packages (openapi-fetch).
symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
const generated = astToString(await openapiTS(doc));
writeFileSync(join(dir, 'ordo-api.d.ts'), generated);
let base: string | undefined;
/** One listening server for the file's tests. */
const listening = async () => (base ??= await h.listen());
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const options: ts.CompilerOptions = {
  strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: true,
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], types: [],
};

let previous: ts.Program | undefined;
/** The compiler's diagnostics for `source` as the client file beside the generated types (in `folder`). */
function diagnostics(source: string, folder = dir) {
  const file = join(folder, `client-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, source);
  // The previous program's library files are reused: each check then costs the client alone.
  const program = (previous = ts.createProgram([file], options, undefined, previous));
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? `${d.file.fileName.slice(folder.length + 1)}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('types generated from /openapi.json', () => {
  it('describe every operation, its problems and their codes', () => {
    expect(generated).toContain('"/v1/lookup": {');
    expect(generated).toMatch(/issuePrescription: \{/);
    expect(generated).toContain('"claimed_elsewhere"');
  });

  it('type-check the typed client under strict with no diagnostic', () => {
    expect(diagnostics(client)).toEqual([]);
  });

  // Each misuse must be refused by the types, or the check above proves nothing.
  it.each([
    ['a missing required member', '{ body: { code } }', '{ body: {} }', /code/],
    ['a member the answer does not have', 'data.prescription.prescriber.id', 'data.prescription.prescriberId', /prescriberId/],
    ['a path the document does not have', "'/v1/lookup'", "'/v1/look-up'", /look-up/],
    ['a status that does not exist', 'const status: Status = data.status;', "const status: Status = 'lost';", /lost/],
    ['a missing path parameter', '{ params: { path: { actorId: prescriberId } } }', '{ params: { path: {} } }', /actorId/],
  ])('refuse %s', (_, from, to, mentions) => {
    expect(client).toContain(from);
    const found = diagnostics(client.replace(from, to));
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(mentions);
  });

  it('run the typed client against a listening Ordo', async () => {
    const base = await listening();
    const doctor = await h.addActor('prescriber');
    const rx = await issue(h, doctor);
    await logTurn(h.deps);
    const { showPrescription } = await import(clientFile);
    expect(await showPrescription(base, rx.code)).toEqual({ status: 'active', left: ['item 0: 6 of 6'], prescriber: 'Dr Claire Roussel', activeKeys: 1, logSize: 1 });
    expect(await showPrescription(base, rx.payload.replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toMatchObject({ problem: 'not_found' });
  });
});

describe('docs/api.md § Generating a client', () => {
  const api = readFileSync(join(root, 'docs/api.md'), 'utf8');
  const section = api.slice(api.indexOf('## Generating a client'), api.indexOf('\n## ', api.indexOf('## Generating a client') + 1));

  it('embeds examples/typed-client.ts exactly', () => {
    const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(snippet).toBe(client);
  });

  it('gives an openapi-typescript command that generates the same types from a running Ordo', async () => {
    const command = /```sh\n(npx openapi-typescript (\S+) -o (\S+))\n```/.exec(section);
    expect(command, 'the command').not.toBeNull();
    const [, , url, out] = command!;
    const base = await listening();
    const other = mkdtempSync(join(dir, 'cli-'));
    // The command as documented, against this Ordo instead of localhost:8787.
    await promisify(execFile)(join(root, 'node_modules/.bin/openapi-typescript'), [url!.replace('http://localhost:8787', base), '-o', join(other, out!)], { cwd: other });
    symlinkSync(join(root, 'node_modules'), join(other, 'node_modules'), 'dir');
    expect(diagnostics(client, other)).toEqual([]);
  });
});
