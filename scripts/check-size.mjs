#!/usr/bin/env node
// Fails, listing them, when files under src/ are longer than 300 lines (`npm run lint:size`):
// a file that long holds more than one idea. Usage: node scripts/check-size.mjs [dir] [max]
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = join(root, process.argv[2] ?? 'src');
const max = Number(process.argv[3] ?? 300);

function* files(at) {
  for (const entry of readdirSync(at, { withFileTypes: true })) {
    const path = join(at, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/** Lines as an editor numbers them: a final newline does not start another line. */
function lineCount(text) {
  if (text === '') return 0;
  const breaks = text.match(/\r\n|\r|\n/g)?.length ?? 0;
  return /[\r\n]$/.test(text) ? breaks : breaks + 1;
}

const long = [];
for (const path of files(dir)) {
  const lines = lineCount(readFileSync(path, 'utf8'));
  if (lines > max) long.push({ file: relative(root, path), lines });
}

if (long.length > 0) {
  long.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file));
  console.error(`${long.length} file${long.length === 1 ? '' : 's'} over ${max} lines:`);
  for (const { file, lines } of long) console.error(`  ${file}: ${lines} lines`);
  process.exit(1);
}
console.log(`lint:size: no file under ${relative(root, dir) || '.'} is over ${max} lines.`);
