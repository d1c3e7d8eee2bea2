/**
 * The benchmark's chart: requests/s and p99 per scenario, Ordo (on SQLite; on PostgreSQL with 1
 * and 2 processes) against the bare baseline, at each preloaded scale. Drawn by Vega-Lite,
 * rendered to SVG headless by Vega (no browser, no canvas).
 */
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vl from 'vega-lite';

type Run = { scale: number; target: string; scenario: string; rps: number; p99: number };

/** Per target, its shades, darkest at the smallest scale: Ordo on SQLite blue, on PostgreSQL green and orange, bare grey. */
const SHADES: Record<string, string[]> = {
  ordo: ['#0b5cad', '#6a9fd8', '#a9c8ea'],
  pg1: ['#1b7a3a', '#6dbb82', '#b0dcbb'],
  pg2: ['#b35806', '#f1a340', '#f8cf94'],
  bare: ['#6f6f6f', '#9a9a9a', '#cfcfcf'],
};
const OTHER = ['#7b3294', '#c2a5cf', '#e7d4e8'];

const seriesOf = (r: Run) => `${r.target}, ${r.scale.toLocaleString('en')} preloaded`;

export async function writeChart(result: { runs: Run[]; date: string; goal: { mixedRps: number; p99Ms: number } }, file: string) {
  const values = result.runs.map((r) => ({ ...r, series: seriesOf(r) }));
  // Series in the run's order (targets as chosen, then scales), each target in its own colour.
  const targets = [...new Set(result.runs.map((r) => r.target))];
  const scales = [...new Set(result.runs.map((r) => r.scale))];
  const domain: string[] = [];
  const range: string[] = [];
  for (const target of targets) {
    scales.forEach((scale, i) => {
      if (!result.runs.some((r) => r.target === target && r.scale === scale)) return;
      const shades = SHADES[target] ?? OTHER;
      domain.push(seriesOf({ target, scale } as Run));
      range.push(shades[Math.min(i, shades.length - 1)]!);
    });
  }
  const panel = (field: 'rps' | 'p99', title: string, rule: number, ruleLabel: string) => ({
    width: Math.max(460, domain.length * 4 * 14),
    height: 260,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'scenario', type: 'nominal', title: null, sort: ['issue', 'claim+dispense', 'lookup', 'mixed'], axis: { labelAngle: 0 } },
          xOffset: { field: 'series', type: 'nominal', sort: domain },
          y: { field, type: 'quantitative', title },
          color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320, orient: 'bottom', columns: 2 }, scale: { domain, range } },
          tooltip: [{ field: 'series' }, { field: 'scenario' }, { field, type: 'quantitative' }],
        },
      },
      { data: { values: [{}] }, mark: { type: 'rule', color: '#a11d2b', strokeDash: [4, 4] }, encoding: { y: { datum: rule } } },
      { data: { values: [{}] }, mark: { type: 'text', color: '#a11d2b', align: 'right', dy: -6, x: 'width' }, encoding: { y: { datum: rule }, text: { value: ruleLabel } } },
    ],
  });
  const spec = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: targets.some((t) => t.startsWith('pg')) ? 'Ordo on SQLite and on PostgreSQL against the bare baseline' : 'Ordo against the bare baseline', subtitle: `npm run bench, ${result.date.slice(0, 10)}` },
    data: { values },
    hconcat: [panel('rps', 'requests/s', result.goal.mixedRps, `national peak ${result.goal.mixedRps} req/s`), panel('p99', 'p99 latency (ms)', result.goal.p99Ms, `${result.goal.p99Ms} ms`)],
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: null } },
  } as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  writeFileSync(file, await view.toSVG());
  view.finalize();
}
