/**
 * The benchmark's chart: requests/s and p99 per scenario, Ordo against the bare baseline, at each
 * preloaded scale. Drawn by Vega-Lite, rendered to SVG headless by Vega (no browser, no canvas).
 */
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';
import * as vl from 'vega-lite';

type Run = { scale: number; target: string; scenario: string; rps: number; p99: number };

export async function writeChart(result: { runs: Run[]; date: string; goal: { mixedRps: number; p99Ms: number } }, file: string) {
  const values = result.runs.map((r) => ({ ...r, series: `${r.target}, ${r.scale.toLocaleString('en')} preloaded` }));
  const panel = (field: 'rps' | 'p99', title: string, rule: number, ruleLabel: string) => ({
    width: 460,
    height: 260,
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'scenario', type: 'nominal', title: null, sort: ['issue', 'claim+dispense', 'lookup', 'mixed'], axis: { labelAngle: 0 } },
          xOffset: { field: 'series', type: 'nominal' },
          y: { field, type: 'quantitative', title },
          color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 320, orient: 'bottom', columns: 2 }, scale: { range: ['#0b5cad', '#6a9fd8', '#9a9a9a', '#cfcfcf'] } },
          tooltip: [{ field: 'series' }, { field: 'scenario' }, { field, type: 'quantitative' }],
        },
      },
      { data: { values: [{}] }, mark: { type: 'rule', color: '#a11d2b', strokeDash: [4, 4] }, encoding: { y: { datum: rule } } },
      { data: { values: [{}] }, mark: { type: 'text', color: '#a11d2b', align: 'right', dy: -6, x: 'width' }, encoding: { y: { datum: rule }, text: { value: ruleLabel } } },
    ],
  });
  const spec = vl.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Ordo against the bare baseline', subtitle: `npm run bench, ${result.date.slice(0, 10)}` },
    data: { values },
    hconcat: [panel('rps', 'requests/s', result.goal.mixedRps, `national peak ${result.goal.mixedRps} req/s`), panel('p99', 'p99 latency (ms)', result.goal.p99Ms, `${result.goal.p99Ms} ms`)],
    config: { font: 'Helvetica, Arial, sans-serif', view: { stroke: null } },
  } as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  writeFileSync(file, await view.toSVG());
  view.finalize();
}
