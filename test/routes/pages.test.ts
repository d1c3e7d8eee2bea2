/**
 * The pages as HTTP sees them (the story itself runs in Chromium: test/browser/story.test.ts):
 * language from Accept-Language, a strict Content-Security-Policy, the built files served by Ordo
 * with ETag revalidation, nothing outside the built folder, and words for every problem code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemCodes } from '../../src/domain/errors.js';
import { PAGE_CSP } from '../../src/http/routes/pages/index.js';
import { hasMessage } from '../../src/web/i18n.js';
import { makeHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await makeHarness();
});
afterAll(() => h.close());

const get = (path: string, headers: Record<string, string> = {}) => h.app.request(path, { headers });

describe('pages', () => {
  it.each(['prescribe', 'counter', 'patient'])('/%s: an HTML shell with its script, the issuer, and a strict CSP', async (page) => {
    const res = await get(`/${page}`, { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(`<script type="module" src="/app/${page}.js"></script>`);
    expect(html).toContain('<meta name="ordo-issuer" content="https://ordo.test">');
    expect(html).toMatch(/<html lang="fr">/);
    expect(html).not.toMatch(/<script>|<style>|style=/); // nothing inline: the CSP forbids it
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(PAGE_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('permissions-policy')).toContain(page === 'prescribe' ? 'camera=()' : 'camera=(self)');
    expect(res.headers.get('vary')).toContain('Accept-Language');
  });

  it.each([
    ['en-GB,en;q=0.9', 'en'],
    ['en-US,fr;q=0.5', 'en'],
    ['de-DE,fr;q=0.7,en;q=0.5', 'fr'],
    ['de-DE', 'fr'],
    ['', 'fr'],
  ])('Accept-Language %j gives lang=%s (French first)', async (accept, lang) => {
    const html = await (await get('/counter', accept ? { 'accept-language': accept } : {})).text();
    expect(html).toContain(`<html lang="${lang}">`);
  });

  it('serves the built scripts and styles with an ETag, and answers 304 when unchanged', async () => {
    for (const [file, type] of [['app/prescribe.js', 'text/javascript'], ['app/counter.js', 'text/javascript'], ['app/patient.js', 'text/javascript'], ['app/style.css', 'text/css'], ['docs/swagger-ui.css', 'text/css']]) {
      const res = await get(`/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type')).toContain(type!);
      const etag = res.headers.get('etag');
      expect(etag).toBeTruthy();
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      const again = await get(`/${file}`, { 'if-none-match': etag! });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
    }
  });

  it.each(['/app/missing.js', '/app/..%2Fpackage.json', '/app/%2E%2E%2F%2E%2E%2Fsecrets', '/app/prescribe.ts', '/docs/index.html', '/app/'])('%s is 404, a problem', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('has French and English words for every problem code', () => {
    expect(problemCodes.filter((c) => !hasMessage(c))).toEqual([]);
  });
});
