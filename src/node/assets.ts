/**
 * The browser files on Node: read from dist/public (built by scripts/build-web.mjs), once each.
 * Only names of the form `app/<file>` or `docs/<file>` are looked up, so no request reaches
 * outside that folder.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Deps } from '../deps.js';
import { ASSET_NAME } from '../http/routes/pages/assets.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export function publicAssets(dir: string): NonNullable<Deps['asset']> {
  const cache = new Map<string, Promise<Uint8Array>>();
  return async (name) => {
    const type = TYPES[extname(name)];
    if (!type || !ASSET_NAME.test(name)) return undefined;
    if (!cache.has(name)) cache.set(name, readFile(join(dir, name)).then((b) => new Uint8Array(b)));
    try {
      return { body: (await cache.get(name))!, type };
    } catch {
      cache.delete(name); // not built yet: look again next time
      return undefined;
    }
  };
}
