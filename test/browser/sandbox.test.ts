/**
 * The sandbox banner in a real browser (Debian's Chromium, as test/browser/story.test.ts): in a
 * sandbox every page shows it, in French and in English, with the sandbox's time; outside a
 * sandbox no page does. ORDO_SKIP_BROWSER=1 skips it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '../../src/node/server.js';

const CHROMIUM = process.env.ORDO_CHROMIUM ?? '/usr/bin/chromium';
const skip = process.env.ORDO_SKIP_BROWSER === '1';
const FLAGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(skip)('the sandbox banner in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ordo-browser-sandbox-'));
  let sandbox: Awaited<ReturnType<typeof startNode>>;
  let production: Awaited<ReturnType<typeof startNode>>;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium, or set ORDO_SKIP_BROWSER=1`);
    const env = (name: string, extra: Record<string, string> = {}) => ({ PORT: '0', ORDO_DB: join(dir, name, 'data/ordo.db'), ORDO_SECRETS: join(dir, name, 'secrets'), ORDO_ISSUER: '', ...extra });
    sandbox = await startNode({ env: env('sandbox', { ORDO_SANDBOX: '1' }), log: () => {} });
    production = await startNode({ env: env('production'), log: () => {} });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    await production?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const bannerOf = async (port: number, page: string, locale: string) => {
    const context = await browser.newContext({ locale, timezoneId: 'Europe/Paris' });
    try {
      const p = await context.newPage();
      await p.goto(`http://127.0.0.1:${port}/${page}`);
      await p.locator('header.top').waitFor();
      await p.waitForLoadState('networkidle');
      const banner = p.locator('.sandbox-banner');
      if ((await banner.count()) === 0) return undefined;
      expect(await banner.isVisible()).toBe(true);
      return { text: await banner.innerText(), now: await banner.getAttribute('data-sandbox-now') };
    } finally {
      await context.close();
    }
  };

  it.each(['prescribe', 'counter', 'patient'])('/%s shows it in a sandbox, in French and in English; not elsewhere', async (page) => {
    const health = (await (await fetch(`http://127.0.0.1:${sandbox.port}/healthz`)).json()) as { sandbox: { now: string } };
    const fr = await bannerOf(sandbox.port, page, 'fr-FR');
    expect(fr?.text).toMatch(/^Bac à sable/);
    expect(fr?.text).toMatch(/données de test/);
    expect(Date.parse(fr!.now!)).toBeGreaterThanOrEqual(Date.parse(health.sandbox.now) - 60_000);
    const en = await bannerOf(sandbox.port, page, 'en-GB');
    expect(en?.text).toMatch(/^Sandbox/);
    expect(en?.text).toMatch(/test data only/);
    expect(await bannerOf(production.port, page, 'fr-FR')).toBeUndefined();
  });
});
