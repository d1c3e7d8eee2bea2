/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and prints where the time went: self time by
 * function, and total time by file, so a profile can be read in a terminal. Shares are of the
 * busy time (samples that are not idle); `--last S` keeps only the last S seconds of the profile
 * (a bench's measured window ends when the server is stopped).
 * `node --import tsx bench/profile-summary.ts FILE [--top N] [--last S]`
 */
import { readFileSync } from 'node:fs';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
const file = process.argv[2];
if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [--top N] [--last S]');
const flag = (name: string) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : undefined);
const top = flag('--top') || 30;
const last = flag('--last');
const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; endTime: number; startTime: number };
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const from = last === undefined ? -Infinity : p.endTime - last * 1e6;
const self = new Map<number, number>();
let at = p.startTime;
p.samples.forEach((id, i) => {
  at += p.timeDeltas[i] ?? 0;
  if (at >= from) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i + 1] ?? 0));
});
const isIdle = (id: number) => byId.get(id)!.callFrame.functionName === '(idle)';
const wall = [...self.values()].reduce((a, b) => a + b, 0);
const busy = [...self].filter(([id]) => !isIdle(id)).reduce((a, [, t]) => a + t, 0);
const short = (url: string) => url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/').replace(/^node:/, 'node:') || '(native)';
const fnSelf = new Map<string, number>();
const fileSelf = new Map<string, number>();
for (const [id, t] of self) {
  if (isIdle(id)) continue;
  const n = byId.get(id)!;
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  fnSelf.set(key, (fnSelf.get(key) ?? 0) + t);
  const pkg = short(n.callFrame.url).split('/').slice(0, n.callFrame.url.includes('node_modules') ? (short(n.callFrame.url).startsWith('@') ? 2 : 1) : 2).join('/');
  fileSelf.set(pkg, (fileSelf.get(pkg) ?? 0) + t);
}
const pct = (t: number) => `${((t / busy) * 100).toFixed(1).padStart(5)}%`;
console.log(`${(wall / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (${((busy / wall) * 100).toFixed(0)} %); shares of the busy time\n\nself time by function:`);
for (const [k, t] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
// Inclusive time of Ordo's own functions (src/), each counted once per stack (recursion aside).
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, t] of self) {
  if (isIdle(id)) continue;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    if (!f.url.includes('/src/')) continue;
    const key = `${f.functionName || '(anonymous)'}  ${short(f.url)}:${f.lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + t);
  }
}
console.log('\ninclusive time of functions in src/:');
for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(t)}  ${k}`);
console.log('\nself time by package or source folder:');
for (const [k, t] of [...fileSelf].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(t)}  ${k}`);

// Self time in kinds of work, to tell what a bare server must also do from what Ordo adds.
const KINDS: [string, (url: string, fn: string) => boolean][] = [
  ['signatures, ciphers, hashes (node:crypto)', (u, f) => u.startsWith('node:internal/crypto') || /^(verifyOneShot|signOneShot|Hmac|Hash|hkdfSync)$/.test(f)],
  ['DEFLATE, inflate (node:zlib, fflate)', (u) => u.startsWith('node:zlib') || u.includes('/fflate/')],
  ['SQLite and its driver (better-sqlite3, drizzle)', (u) => u.includes('/better-sqlite3/') || u.includes('/drizzle-orm/')],
  ['HTTP, sockets, IPC (node:http, net, streams, child_process)', (u, f) => /^node:(_http|net|internal\/(streams|stream_base_commons|child_process|http|js_stream|webstreams|deps\/undici|abort_controller))/.test(u) || /^(writev|writeBuffer|writeUtf8String|parserOnHeadersComplete|readStop)$/.test(f)],
  ['framework and validation (hono, @hono/node-server, zod)', (u) => /\/(hono|@hono\/node-server|zod)\//.test(u)],
  ["Ordo's own code (src/)", (u) => u.includes('/src/')],
  ['garbage collection', (_u, f) => f === '(garbage collector)'],
];
const kinds = new Map<string, number>();
for (const [id, t] of self) {
  if (isIdle(id)) continue;
  const { url, functionName } = byId.get(id)!.callFrame;
  const kind = KINDS.find(([, test]) => test(url, functionName))?.[0] ?? 'other (V8, Node internals, other packages)';
  kinds.set(kind, (kinds.get(kind) ?? 0) + t);
}
console.log('\nself time by kind of work:');
for (const [k, t] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${pct(t)}  ${k}`);
