/**
 * `ordo conformance`: the contract's black-box checks (src/conformance) against any Ordo, from its
 * URL and the registrar token; one line per check, then a summary. Exit 0 when every check
 * passed, 1 when one failed (as for any usage error). It writes test data into the deployment.
 */
import type { Command } from 'commander';
import { OrdoClient } from '../../client/client.js';
import { checks, newRunTag, runChecks, type CheckResult } from '../../conformance/index.js';
import { conformanceTransport } from '../../conformance/transport.js';
import { wholeNumber } from '../args.js';
import { client, CliError, print, type Globals } from '../context.js';

type ConformanceOptions = { only?: string[]; logWait: number; timeout: number };

const WARNING = [
  '',
  'It writes test data into the deployment: actors (conformance-<run>-…, suspended at the end),',
  'prescriptions for an invented patient, their events in the transparency log, and failed-code',
  "counts against its own pharmacies (never against your address). Run it against a sandbox or a",
  'staging deployment; it never needs real patient data.',
  '',
  'Checks: ' + checks.map((c) => c.name).join(', '),
  '',
  'Example:',
  '  ordo conformance --url https://ordo-staging.example.org --admin-token "$ORDO_ADMIN_TOKEN"',
].join('\n');

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const countOf = (n: number) => `${n} check${n === 1 ? '' : 's'}`;

/** The checks named by --only, in the suite's order; every name must be one. */
function selected(only: string[] | undefined) {
  if (!only?.length) return checks;
  const names = only.flatMap((n) => n.split(',')).map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !checks.some((c) => c.name === n));
  if (unknown.length) throw new CliError(`--only ${unknown.join(', ')}: no such check (the checks are ${checks.map((c) => c.name).join(', ')})`);
  return checks.filter((c) => names.includes(c.name));
}

/** `ok    story   1.2 s` or `FAIL  replay  0.1 s  <why>`. */
export function reportLine(r: CheckResult, width: number): string {
  return `${r.ok ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(width)}  ${seconds(r.ms).padStart(7)}${r.ok ? '' : `  ${r.reason}`}`;
}

export function conformanceCommands(program: Command, g: Globals) {
  program
    .command('conformance')
    .description("check that an Ordo keeps the contract (health, the whole story, races, replay, the failed-code limit) from its --url and the registrar's --admin-token; writes test data into it: for a sandbox or staging deployment")
    .option('--only <names...>', 'run only these checks (names as listed below)')
    .option('--log-wait <seconds>', 'how long the transparency log may take to include the story', wholeNumber('seconds'), 30)
    .option('--timeout <seconds>', 'how long one request may take', wholeNumber('seconds'), 30)
    .addHelpText('after', WARNING)
    .action(async (o: ConformanceOptions) => {
      const base = client(g());
      if (!base.opts.adminToken) throw new CliError('conformance registers its own test actors: give --admin-token (or ORDO_ADMIN_TOKEN)');
      const run = selected(o.only);
      const transport = conformanceTransport(fetch, o.timeout * 1000);
      const ordo = new OrdoClient({ ...base.opts, fetch: transport.fetch });
      const tag = newRunTag();
      const human = !g().json && !g().field;
      const width = Math.max(...run.map((c) => c.name.length));
      if (human) process.stdout.write(`Ordo conformance: ${ordo.url} (issuer ${ordo.issuer}), ${countOf(run.length)}, test actors conformance-${tag}-*\n`);
      const started = Date.now();
      const results = await runChecks({ ordo, rawFetch: (path, init) => transport.fetch(`${ordo.url}${path}`, init), logWaitMs: o.logWait * 1000 }, run, {
        tag,
        onResult: (r) => human && process.stdout.write(`${reportLine(r, width)}\n`),
      });
      const failed = results.filter((r) => !r.ok).map((r) => r.name);
      const ms = Date.now() - started;
      const retried = transport.retried();
      const summary = `${countOf(results.length)}: ${results.length - failed.length} passed, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''} in ${seconds(ms)}${retried ? `; ${retried} request${retried === 1 ? '' : 's'} sent again after a 503 from in front of Ordo` : ''}`;
      const report = {
        url: ordo.url, issuer: ordo.issuer, run: tag, ok: failed.length === 0, passed: results.length - failed.length, failed: failed.length, ms, retried,
        checks: results.map(({ error: _error, ...r }) => r),
      };
      if (human) process.stdout.write(`${summary}\n`);
      else print(g(), report, () => summary);
      if (failed.length) process.exitCode = 1;
    });
}
