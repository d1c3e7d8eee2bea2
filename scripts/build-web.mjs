#!/usr/bin/env node
/**
 * Builds what Ordo serves to browsers into dist/public (ignored by git):
 *   app/prescribe.js, app/counter.js, app/patient.js, app/style.css — the three pages (esbuild);
 *   docs/swagger-ui.css, docs/swagger-ui-bundle.js — Swagger UI for /docs, copied from its package.
 * Node reads these files; on Workers they are the [assets] directory (wrangler.toml).
 * Run by `npm start` (prestart), by the test config, and by wrangler ([build]). About 0.3 s.
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const publicDir = join(root, 'dist', 'public');

export async function buildWeb({ quiet = true } = {}) {
  const started = performance.now();
  await build({
    absWorkingDir: root,
    entryPoints: ['src/web/prescribe.tsx', 'src/web/counter.tsx', 'src/web/patient.tsx', 'src/web/style.css'],
    outdir: join(publicDir, 'app'),
    bundle: true,
    format: 'esm',
    splitting: false,
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx/dom',
    minify: true,
    legalComments: 'none',
    logLevel: quiet ? 'warning' : 'info',
  });
  const swagger = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  await mkdir(join(publicDir, 'docs'), { recursive: true });
  await Promise.all(['swagger-ui.css', 'swagger-ui-bundle.js'].map((f) => copyFile(join(swagger, f), join(publicDir, 'docs', f))));
  if (!quiet) console.log(`web assets built into ${publicDir} in ${Math.round(performance.now() - started)} ms`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb({ quiet: false });
}
