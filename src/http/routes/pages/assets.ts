/**
 * The built browser files (`npm run build:web` → dist/public), served by Ordo itself on both
 * runtimes: nothing comes from a CDN. Revalidated by ETag, so a new build is picked up at once.
 */
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import type { AppEnv } from '../../env.js';

/** The only names looked up: `app/<file>` (the pages) and `docs/<file>` (Swagger UI). */
export const ASSET_NAME = /^(app|docs)\/[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;

export const assets = new Hono<AppEnv>()
  .use('/app/*', etag())
  .use('/docs/*', etag())
  .get('/:dir{app|docs}/:file', async (c) => {
    const name = `${c.req.param('dir')}/${c.req.param('file')}`;
    const asset = ASSET_NAME.test(name) ? await c.var.deps.asset?.(name) : undefined;
    if (!asset) return c.notFound();
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': asset.type, 'Cache-Control': 'no-cache' });
  });
