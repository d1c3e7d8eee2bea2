/**
 * src/ compiled once per run (vitest globalSetup), for the tests that run Ordo or the CLI in
 * child processes (test/support/ordo-process.ts, test/support/run-ordo.ts). `npm start` and
 * bin/ordo.js run the sources through tsx, whose loader every process pays for again: measured
 * on 2 cores, Ordo on one process listens after about 3.4 s through tsx and 1.7 s compiled, with
 * two workers 5.5-6 s and 3 s; `ordo --version` takes 0.8 s and 0.4 s. The suite starts a few
 * hundred of them.
 *
 * The same JavaScript runs: each file goes through esbuild's transform with the options tsx's
 * ESM loader gives it (tsx 4: target this Node, minifyWhitespace, keepNames, a source map, the
 * checkout's tsconfig.json), one file for one file, no bundling, in the same tree
 * (`src/cli/main.ts` becomes `src/cli/main.js`; imports already say `.js`). Beside `src`, links
 * to the checkout's package.json, drizzle/, dist/ and node_modules/, so that what src finds from
 * `import.meta.url` (the migrations, the pages' files, the version) is the checkout's own, and
 * src/node/writer.ts starts its thread on the compiled writer-thread.js. Run
 * test/support/ordo-build-check.ts to compare this output with tsx's own, file by file.
 *
 * ORDO_TEST_TSX=1 skips it: the helpers then run tsx as `npm start` does.
 */
import { transform, type TransformOptions } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The compiled tree (see above), or '' when the helpers run tsx. */
    ordoBuild: string;
  }
}

const root = join(import.meta.dirname, '../..');

/** What tsx's ESM loader passes esbuild for a TypeScript file (tsx/dist: `Ne` and `jn`), the file's own path as `sourcefile`. */
export function tsxTransformOptions(file: string): TransformOptions {
  return {
    target: `node${process.versions.node}`,
    loader: file.endsWith('.tsx') ? 'tsx' : 'ts',
    sourcemap: 'inline',
    sourcesContent: false,
    minifyWhitespace: true,
    keepNames: true,
    format: 'esm',
    sourcefile: file,
    tsconfigRaw: JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as TransformOptions['tsconfigRaw'],
  };
}

/** Compiles `root/src` into `out/src` and links what src reaches from its own location; returns the TypeScript files compiled (paths in src/). */
export async function buildOrdo(out: string): Promise<string[]> {
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(root, 'src', f)).isFile());
  await Promise.all(
    files.map(async (f) => {
      const from = join(root, 'src', f);
      const to = join(out, 'src', f);
      mkdirSync(dirname(to), { recursive: true });
      if (!/\.tsx?$/.test(f)) return copyFileSync(from, to);
      const { code } = await transform(readFileSync(from, 'utf8'), tsxTransformOptions(from));
      writeFileSync(to.replace(/\.tsx?$/, '.js'), code);
    }),
  );
  for (const name of ['package.json', 'drizzle', 'dist', 'node_modules']) symlinkSync(join(root, name), join(out, name));
  // bin/ordo.js without tsx's register(): the same `main()`, from the compiled tree.
  mkdirSync(join(out, 'bin'));
  writeFileSync(join(out, 'bin/ordo.js'), "const { main } = await import('../src/cli/main.js');\nawait main();\n");
  return files.filter((f) => /\.tsx?$/.test(f));
}

export default async function setup(project: TestProject) {
  if (process.env.ORDO_TEST_TSX === '1') {
    project.provide('ordoBuild', '');
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'ordo-build-'));
  await buildOrdo(out);
  project.provide('ordoBuild', out);
  return () => rmSync(out, { recursive: true, force: true });
}
