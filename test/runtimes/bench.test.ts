/**
 * Keeps `npm run bench` working: the whole instrument at a tiny size (half a second a scenario,
 * a few hundred preloaded prescriptions), Ordo and the bare baseline both, and Ordo on PostgreSQL
 * (on the tests' server). Checks that every
 * scenario ran without an error and that the results and chart were written. No timing is
 * asserted: speed is measured by the benchmark itself, never by tests.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, inject, it } from 'vitest';
import { runBench, SCENARIOS } from '../../bench/run.js';

const out = mkdtempSync(join(tmpdir(), 'ordo-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('runs every scenario against Ordo and the bare baseline at two scales, with no error', async () => {
  const { result, jsonFile, svgFile } = await runBench({
    duration: 0.5, connections: 2, scales: [200, 400], scenarios: [...SCENARIOS], targets: ['ordo', 'bare'], out, actors: 4, warmup: 0, cpuProf: false, quiet: true,
  });
  expect(result.runs).toHaveLength(SCENARIOS.length * 2 * 2);
  for (const r of result.runs) {
    expect(r.errorSamples, `${r.target} ${r.scenario} at ${r.scale}`).toEqual([]);
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThan(0);
    expect(r.p99).toBeGreaterThanOrEqual(r.p50);
    expect(r.cpuUsPerRequest).toBeGreaterThan(0);
  }
  expect(result.ratios.every((x) => typeof x.ordoOverBare === 'number' && typeof x.cpuOrdoOverBare === 'number')).toBe(true);
  // dbstat on each preloaded database: the three tables of a prescription's trace, and its indexes.
  for (const p of result.preloaded) {
    expect(Object.keys(p.tables)).toEqual(expect.arrayContaining(['prescriptions', 'events', 'dispensations']));
    expect(p.indexes).toBeGreaterThan(0);
    expect(p.perPrescription).toBeGreaterThanOrEqual(p.tables.events! + p.tables.prescriptions!);
  }
  expect(result.storage.map((s) => s.prescriptions).every((n) => n >= 200)).toBe(true);
  expect(JSON.parse(readFileSync(jsonFile, 'utf8')).runs).toHaveLength(16);
  expect(existsSync(svgFile)).toBe(true);
  expect(readFileSync(svgFile, 'utf8')).toMatch(/^<svg[^>]*>.*requests\/s.*<\/svg>$/s);
}, 180_000);

it('runs every scenario against Ordo on PostgreSQL (two processes), preloaded from the SQLite seed, with no error', async () => {
  const { result } = await runBench({
    duration: 0.5, connections: 2, scales: [200], scenarios: [...SCENARIOS], targets: ['pg2'], out, actors: 4, warmup: 0, cpuProf: false, quiet: true, pgUrl: inject('pgUrl'),
  });
  expect(result.runs).toHaveLength(SCENARIOS.length);
  for (const r of result.runs) {
    expect(r.errorSamples, `${r.target} ${r.scenario}`).toEqual([]);
    expect(r.requests).toBeGreaterThan(0);
  }
  const pg = result.storage.find((s) => s.target === 'pg2')!;
  // The seed's rows copied: its prescriptions before the runs; bytes a prescription from the relations.
  expect(pg.afterPreload.prescriptions).toBeGreaterThanOrEqual(200);
  expect(pg.prescriptions).toBeGreaterThan(pg.afterPreload.prescriptions);
  expect(pg.afterPreload.bytesPerPrescription).toBeGreaterThan(0);
  expect(result.runs.filter((r) => r.target === 'pg2').every((r) => r.dbCpuUsPerRequest === null)).toBe(true); // a server the bench did not start
}, 180_000);

it('`npm run bench:certified` runs at a tiny size: every measure printed, the listed key revoked', async () => {
  const { stdout } = await promisify(execFile)('node', ['--expose-gc', '--import', 'tsx', 'bench/certified.ts', '--serials', '2000', '--enrolled', '2', '--rounds', '1'], {
    cwd: join(import.meta.dirname, '../..'),
    encoding: 'utf8',
  });
  for (const line of [/signature checks .*EdDSA.*ES256.*PS256.*RS256/s, /an enrolment \(RSA-2048 leaf, empty lists\): [\d.]+ ms/, /'raw EdDSA': [\d.]+,\s+'certified PS256': [\d.]+/, /POST \/v1\/admin\/crl, 2,000 serials, 2 certified keys enrolled: [\d.]+ ms; heap [+-][\d.]+ MiB when it answers, [+-][\d.]+ MiB after a GC/, /the first enrolment after it .*: [\d.]+ ms; the next: [\d.]+ ms/]) {
    expect(stdout).toMatch(line);
  }
}, 120_000);
