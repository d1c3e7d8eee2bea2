/**
 * The API docs page: Swagger UI served by Ordo itself (no CDN), reading /openapi.json. Its files
 * are served by the assets route (`/docs/swagger-ui.css`, `/docs/swagger-ui-bundle.js`).
 * The page's script is a file too, so the Content-Security-Policy needs no inline script.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env.js';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ordo API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });`;

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; frame-ancestors 'none'";

export const docs = new Hono<AppEnv>()
  .get('/docs', (c) => {
    c.header('Content-Security-Policy', CSP);
    return c.html(PAGE);
  })
  .get('/docs/init.js', (c) => c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
