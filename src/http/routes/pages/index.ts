/**
 * The three pages for people at the counter: /prescribe, /counter, /patient. Each is a small
 * HTML shell; the page itself is built from src/web by esbuild and served from /app/.
 *
 * The shell's `lang` follows Accept-Language (French first, English second); the page offers a
 * switch. The code never travels in these URLs: /patient reads it from the fragment, which
 * browsers never send.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import { languageDetector } from 'hono/language';
import type { AppEnv } from '../../env.js';

export const PAGES = ['prescribe', 'counter', 'patient'] as const;

/**
 * Scripts and styles only from Ordo; no inline script or style; images from Ordo or made in the
 * page (the DataMatrix as a blob: URL); requests only to Ordo; never framed.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const shell = (page: string, lang: string, issuer: string) => html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="ordo-issuer" content="${issuer}">
<title>Ordo</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/style.css">
<script type="module" src="/app/${page}.js"></script>
</head>
<body data-page="${page}">
<noscript>Ordo a besoin de JavaScript pour signer dans le navigateur. — Ordo needs JavaScript to sign in the browser.</noscript>
<div id="app"></div>
</body>
</html>`;

export const pages = new Hono<AppEnv>().use(
  '/:page{prescribe|counter|patient}',
  languageDetector({ supportedLanguages: ['fr', 'en'], fallbackLanguage: 'fr', order: ['header'], caches: false }),
);
for (const page of PAGES) {
  pages.get(`/${page}`, (c) => {
    c.header('Content-Security-Policy', PAGE_CSP);
    // The counter and the patient's page may scan with the camera; nothing else is needed.
    c.header('Permissions-Policy', page === 'prescribe' ? 'camera=(), microphone=(), geolocation=()' : 'camera=(self), microphone=(), geolocation=()');
    c.header('Cache-Control', 'no-cache');
    c.header('Vary', 'Accept-Language');
    return c.html(shell(page, c.get('language'), c.var.deps.config.issuer));
  });
}
