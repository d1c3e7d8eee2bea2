/**
 * ORDO_ISSUER on Node, on any port: unset, it is http://localhost:<the port Ordo listens on>
 * (PORT=0: the port actually bound), so the README's walk-through, `ordo demo --remote`, the
 * pages and `/docs` work on another port than 8787 with only ORDO_URL set. Set, it is kept, and
 * the banner warns (one line) when it is not where Ordo listens.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseNodeConfig } from '../../src/config/node.js';
import { issuerWarning, startNode } from '../../src/node/server.js';
import { freePort, killGroup, startOrdoProcess } from '../support/ordo-process.js';
import { runOrdo } from '../support/run-ordo.js';

const dir = mkdtempSync(join(tmpdir(), 'ordo-issuer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const envAt = (name: string) => ({ ORDO_DB: join(dir, name, 'data/ordo.db'), ORDO_SECRETS: join(dir, name, 'secrets') });

it('unset, ORDO_ISSUER is http://localhost:PORT; set, it is kept (trailing slash dropped)', () => {
  expect(parseNodeConfig({ PORT: '9000' }).app.issuer).toBe('http://localhost:9000');
  expect(parseNodeConfig({ PORT: '9000' }).issuerGiven).toBe(false);
  expect(parseNodeConfig({}).app.issuer).toBe('http://localhost:8787');
  expect(parseNodeConfig({ PORT: '9000', ORDO_ISSUER: '' }).app.issuer).toBe('http://localhost:9000');
  const given = parseNodeConfig({ PORT: '9000', ORDO_ISSUER: 'https://ordo.example/' });
  expect([given.app.issuer, given.issuerGiven]).toEqual(['https://ordo.example', true]);
});

it('PORT=0: the issuer is the port actually bound, in the app, the OpenAPI servers and the pages', async () => {
  const s = await startNode({ env: { PORT: '0', ...envAt('port-0'), ORDO_ISSUER: '' }, log: () => {} });
  try {
    const issuer = `http://localhost:${s.port}`;
    expect(s.deps.config.issuer).toBe(issuer);
    const doc = (await (await fetch(`http://127.0.0.1:${s.port}/openapi.json`)).json()) as { servers: { url: string }[] };
    expect(doc.servers).toEqual([{ url: issuer }]);
    expect(await (await fetch(`http://127.0.0.1:${s.port}/counter`)).text()).toContain(`<meta name="ordo-issuer" content="${issuer}">`);
  } finally {
    await s.close();
  }
});

it('`npm start` on another port with ORDO_ISSUER unset: the banner names the issuer, `ordo demo --remote` works with ORDO_URL alone', async () => {
  let port: number;
  do port = await freePort();
  while (port === 8787);
  const { child, stderr } = await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: '2', ...envAt('npm-start'), ORDO_ISSUER: '' });
  try {
    expect(stderr()).toContain(`\n  issuer:   http://localhost:${port} (default;`);
    expect(stderr()).not.toMatch(/warning/);
    const adminToken = readFileSync(join(dir, 'npm-start/secrets/admin-token'), 'utf8').trim();
    const r = await runOrdo(['demo', '--remote', '--png', join(dir, 'demo.png')], { cwd: dir, env: { ORDO_URL: `http://localhost:${port}`, ORDO_ISSUER: '', ORDO_ADMIN_TOKEN: adminToken } });
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.out).toMatch(/^verified: /m);
  } finally {
    await killGroup(child);
  }
});

for (const workers of ['1', '2']) {
  it(`ORDO_ISSUER set on another port than Ordo's (ORDO_WORKERS=${workers}): one warning line in the banner; on Ordo's port, none`, async () => {
    const port = await freePort();
    const elsewhere = `http://localhost:${port === 65_535 ? port - 1 : port + 1}`;
    const warned = await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: workers, ...envAt(`warn-${workers}`), ORDO_ISSUER: elsewhere });
    try {
      const warnings = warned.stderr().split('\n').filter((l) => /warning/.test(l));
      expect(warnings, warned.stderr()).toEqual([expect.stringMatching(new RegExp(`^  warning: ORDO_ISSUER ${elsewhere} is on port \\d+ but Ordo listens on port ${port}: .*reverse proxy`))]);
      expect(warned.stderr()).toContain(`\n  issuer:   ${elsewhere} (ORDO_ISSUER:`);
    } finally {
      await killGroup(warned.child);
    }
    const quiet = await startOrdoProcess({ PORT: String(port), ORDO_WORKERS: workers, ...envAt(`warn-${workers}`), ORDO_ISSUER: `http://localhost:${port}/` });
    try {
      expect(quiet.stderr()).not.toMatch(/warning/);
    } finally {
      await killGroup(quiet.child);
    }
  });
}

it('the warning: a port other than the one listened on, or another host while Ordo listens on the loopback only', () => {
  const at = { port: 8787, local: false, issuerGiven: true };
  expect(issuerWarning({ ...at, issuer: 'http://localhost:8787' })).toBeUndefined();
  expect(issuerWarning({ ...at, issuer: 'http://localhost:9000', issuerGiven: false })).toBeUndefined();
  expect(issuerWarning({ ...at, issuer: 'https://ordo.example' })).toMatch(/^warning: ORDO_ISSUER https:\/\/ordo\.example is on port 443 but Ordo listens on port 8787: /);
  expect(issuerWarning({ ...at, port: 443, issuer: 'https://ordo.example' })).toBeUndefined();
  expect(issuerWarning({ ...at, port: 80, issuer: 'http://ordo.example' })).toBeUndefined();
  expect(issuerWarning({ ...at, local: true, issuer: 'http://ordo.example:8787' })).toMatch(/^warning: ORDO_ISSUER http:\/\/ordo\.example:8787 names host ordo\.example but Ordo listens on this machine only: /);
  for (const here of ['http://127.0.0.1:8787', 'http://[::1]:8787', 'http://localhost:8787']) expect(issuerWarning({ ...at, local: true, issuer: here }), here).toBeUndefined();
});
