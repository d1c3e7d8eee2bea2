/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self time by
 * function, and total time by file, so a profile can be read in a terminal.
 * `node --import tsx bench/profile-summary.ts FILE [--top N]`
 */
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [--top N]');
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 30;
const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const short = (url: string) => url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/').replace(/^node:/, 'node:') || '(native)';
const fnSelf = new Map<string, number>();
const fileSelf = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + t);
  const pkg = short(n.callFrame.url).split('/').slice(0, n.callFrame.url.includes('node_modules') ? (short(n.callFrame.url).startsWith('@') ? 2 : 1) : 2).join('/');
  fileSelf.set(pkg, (fileSelf.get(pkg) ?? 0) + t);
}
const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`total ${(total / 1e6).toFixed(2)} s sampled\n\nself time by function:`);
for (const [k, t] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
console.log('\nself time by package or source folder:');
for (const [k, t] of [...fileSelf].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(t)}  ${k}`);
