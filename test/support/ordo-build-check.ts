/**
 * Shows that the compiled tree of test/support/ordo-build.ts is the JavaScript tsx runs: Ordo is
 * started once through tsx (`node --import tsx src/node.ts`, one process: the server and the
 * writer thread), the CLI is run (`node bin/ordo.js --help`), and every other file of src/ is
 * imported through tsx, all with a fresh tsx cache; then each file tsx compiled is compared with
 * the compiled tree: code and source map mappings, byte for byte.
 *
 *   node --import tsx test/support/ordo-build-check.ts
 *
 * Exit 0 when every file matches and every file of src/ was compared. Two differences are
 * known, and said: tsx's dynamic-import interop (below); and tsx applies tsconfig.json only when
 * it is started in the checkout. The tests of the CLI run it from a temporary folder, where tsx
 * compiles without it (verbatimModuleSyntax off: an unused value import such as `Command` in
 * src/cli/args.ts is dropped instead of kept); the compiled tree is what the checkout gets, as a
 * user following the README runs it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildOrdo } from './ordo-build.js';

const root = join(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'ordo-build-check-'));
const out = join(scratch, 'build');
const sources = await buildOrdo(out);
// tsx keeps its cache in os.tmpdir(): a fresh one, so that every entry there is from this run.
const env = { ...process.env, TMPDIR: join(scratch, 'tmp') };
mkdirSync(env.TMPDIR);

// 1. `npm start`'s process, until it listens.
await new Promise<void>((resolve, reject) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    cwd: root,
    env: { ...env, PORT: '0', ORDO_WORKERS: '1', ORDO_DB: join(scratch, 'data/ordo.db'), ORDO_SECRETS: join(scratch, 'secrets'), ORDO_ISSUER: 'https://ordo.test' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    if (/Ordo listening/.test(err)) process.kill(-child.pid!, 'SIGKILL');
  });
  child.once('exit', () => (/Ordo listening/.test(err) ? resolve() : reject(new Error(`Ordo did not start:\n${err}`))));
});
// 2. The CLI, as bin/ordo.js runs it.
spawnSync(process.execPath, ['bin/ordo.js', '--help'], { cwd: root, env, stdio: 'ignore' });
// 3. Every other file, through tsx's loader (what a file does when imported out of place does not matter: its transform is cached before it runs).
const importAll = `for (const f of ${JSON.stringify(sources.map((f) => join(root, 'src', f)))}) { try { await import(f); } catch {} }`;
spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', importAll], { cwd: root, env: { ...env, ORDO_WORKERS: 'not run' }, stdio: 'ignore', timeout: 60_000 });

type Entry = { code: string; map: { sources: string[]; mappings: string } };
/**
 * tsx appends this to every dynamic `import()` after esbuild (tsx/dist: `transformDynamicImport`):
 * CommonJS interop, giving a module's `default` instead of its namespace when that default is an
 * object marked `__esModule`. For a module with no default export it is the identity: those
 * files are compared without it, and each module they import dynamically is checked to have none.
 */
const INTEROP = `.then(${((s: Record<string, unknown>) => {
  const e = 'default';
  return s[e] && typeof s[e] == 'object' && '__esModule' in (s[e] as object) ? s[e] : s;
}).toString()})`;
const cacheDir = join(env.TMPDIR, readdirSync(env.TMPDIR).find((d) => d.startsWith('tsx-'))!);
const compared = new Set<string>();
const differ: string[] = [];
const interop: string[] = [];
for (const name of readdirSync(cacheDir)) {
  const e = JSON.parse(readFileSync(join(cacheDir, name), 'utf8')) as Entry;
  const source = e.map?.sources?.[0];
  if (!source?.startsWith(join(root, 'src/')) || !sources.includes(source.slice(join(root, 'src/').length))) continue; // not src/, or new since the build
  compared.add(source);
  const ours = readFileSync(join(out, source.slice(root.length + 1).replace(/\.tsx?$/, '.js')), 'utf8');
  const at = ours.lastIndexOf('//# sourceMappingURL=data:application/json;base64,');
  const code = ours.slice(0, at);
  const map = JSON.parse(Buffer.from(ours.slice(at).split(',')[1]!, 'base64').toString('utf8')) as Entry['map'];
  if (code === e.code) {
    if (map.mappings !== e.map.mappings || map.sources[0] !== source) differ.push(`${source}: source map`);
  } else if (e.code.includes(INTEROP) && code === e.code.replaceAll(INTEROP, '')) {
    interop.push(source);
    for (const [, target] of code.matchAll(/\bimport\("([^"]+)"\)/g)) {
      const ns = (await import(new URL(target!, pathToFileURL(join(out, source.slice(root.length + 1)))).href)) as object;
      if ('default' in ns) differ.push(`${source}: imports ${target} dynamically, which has a default export`);
    }
  } else {
    let i = 0;
    while (code[i] === e.code[i]) i++;
    differ.push(`${source}: code, from character ${i}: ours ${JSON.stringify(code.slice(i - 40, i + 80))}, tsx ${JSON.stringify(e.code.slice(i - 40, i + 80))}`);
  }
}
// A file of types only compiles to nothing: tsx caches nothing for it, and nothing imports it at run time.
const empty = (f: string) => readFileSync(join(out, 'src', f.replace(/\.tsx?$/, '.js')), 'utf8').replace(/\/\/# sourceMappingURL=.*\n?$/, '').trim() === '';
const missed = sources.filter((f) => !compared.has(join(root, 'src', f)) && !empty(f));
console.log(`${compared.size} files of src/ compared with tsx's output: ${differ.length} differ, ${interop.length} only by tsx's dynamic-import interop (${interop.map((f) => f.slice(root.length + 1)).join(', ')}); ${sources.length - compared.size - missed.length} of types only; ${missed.length} not compiled by tsx here`);
for (const d of differ) console.log(`differs: ${d}`);
for (const m of missed) console.log(`not compared: ${m}`);
rmSync(scratch, { recursive: true, force: true });
process.exit(differ.length || missed.length ? 1 : 0);
