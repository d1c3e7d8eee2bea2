/**
 * Reads a request body once, before anything else looks at it: at most `maxBytes` (413 while
 * reading), JSON only (415), nesting at most `maxDepth` (400, checked on the raw text before
 * parsing so a deep document costs nothing), valid JSON (400). The raw bytes are kept for the
 * request token's `bdh`; the parsed value is handed to the route validators through Hono's cache.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { OrdoError } from '../../domain/errors.js';
import type { AppEnv } from '../env.js';

export type JsonBodyOptions = { maxBytes?: number; maxDepth?: number };

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

/** Deepest nesting of arrays and objects in a JSON text, ignoring brackets inside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92) i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) max = Math.max(max, ++depth);
    else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

export function jsonBody(opts: JsonBodyOptions = {}): MiddlewareHandler<AppEnv> {
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const maxDepth = opts.maxDepth ?? 16;
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new OrdoError('payload_too_large', `The body exceeds ${maxBytes} bytes.`);
    },
  });
  return async function jsonBodyMiddleware(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      c.set('rawBody', new Uint8Array());
      return next();
    }
    return limit(c, async () => {
      const raw = new Uint8Array(await c.req.arrayBuffer());
      c.set('rawBody', raw);
      if (raw.length === 0) {
        c.req.bodyCache.json = Promise.resolve(undefined);
        return next();
      }
      const type = c.req.header('content-type') ?? '';
      if (!JSON_TYPE.test(type)) {
        throw new OrdoError('unsupported_media_type', 'Send the body as application/json.');
      }
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
      } catch {
        throw new OrdoError('bad_request', 'The body is not valid UTF-8.');
      }
      if (jsonDepth(text) > maxDepth) throw new OrdoError('bad_request', `JSON nested deeper than ${maxDepth} levels.`);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new OrdoError('bad_request', 'The body is not valid JSON.');
      }
      c.req.bodyCache.json = Promise.resolve(value);
      return next();
    });
  };
}
