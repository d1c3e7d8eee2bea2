/**
 * Reads a request body once, before anything else looks at it: at most `maxBytes` (413 while
 * reading), JSON only (415), nesting at most `maxDepth` (400, checked on the raw text before
 * parsing so a deep document costs nothing), valid JSON (400). The raw bytes are kept for the
 * request token's `bdh`. The decoded text goes into Hono's body cache, where the route validators
 * read it (`c.req.json()` parses `c.req.text()`): the body is decoded once.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { OrdoError } from '../../domain/errors.js';
import { duplicateMember } from '../../crypto/strict-jws.js';
import { jsonDepth } from '../../lib/json.js';
import type { AppEnv } from '../env.js';

/** `raw`: paths whose body is not JSON (a revocation list), with their own limit and media types; kept as bytes only. */
export type JsonBodyOptions = { maxBytes?: number; maxDepth?: number; raw?: Record<string, { maxBytes: number; type: RegExp; label: string }> };

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;.*)?$/i;

/** Hono keeps body reads in `bodyCache` as promises (its type says plain values). */
function cacheText(c: Context, text: string) {
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
}

const limitOf = (maxBytes: number) =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new OrdoError('payload_too_large', `The body exceeds ${maxBytes} bytes.`);
    },
  });

export function jsonBody(opts: JsonBodyOptions = {}): MiddlewareHandler<AppEnv> {
  const maxDepth = opts.maxDepth ?? 16;
  const jsonLimit = opts.maxBytes ?? 64 * 1024;
  const limits = new Map([...Object.entries(opts.raw ?? {})].map(([path, r]) => [path, limitOf(r.maxBytes)]));
  const limitJson = limitOf(jsonLimit);
  return async function jsonBodyMiddleware(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      c.set('rawBody', new Uint8Array());
      return next();
    }
    const raw = opts.raw?.[c.req.path];
    const maxBytes = raw?.maxBytes ?? jsonLimit;
    const limit = limits.get(c.req.path) ?? limitJson;
    if (raw && !raw.type.test(c.req.header('content-type') ?? '')) throw new OrdoError('unsupported_media_type', `Send this body as ${raw.label}.`);
    // With a Content-Length (what clients send), Node's parser holds the body to exactly that
    // many bytes: checked here, and the body read straight from the socket. Hono's bodyLimit
    // would first turn the request into a full web Request with a stream (measured: the largest
    // part of the adapter's cost per request); it is kept for chunked bodies, which it counts.
    const length = c.req.header('content-length');
    const chunked = c.req.header('transfer-encoding') !== undefined;
    if (length !== undefined && !chunked) {
      if (!/^\d{1,15}$/.test(length)) throw new OrdoError('bad_request', 'The Content-Length header is not a length.');
      if (Number(length) > maxBytes) throw new OrdoError('payload_too_large', `The body exceeds ${maxBytes} bytes.`);
      return read();
    }
    return limit(c, read);

    async function read() {
      const body = new Uint8Array(await c.req.arrayBuffer());
      // Where no HTTP parser framed the body by its header (a Request built in-process).
      if (body.length > maxBytes) throw new OrdoError('payload_too_large', `The body exceeds ${maxBytes} bytes.`);
      c.set('rawBody', body);
      if (raw) return next();
      if (body.length === 0) {
        // No body: passed on; the route's validator decides (Hono's refuses it under a JSON type).
        cacheText(c, '');
        return next();
      }
      const type = c.req.header('content-type') ?? '';
      if (!JSON_TYPE.test(type)) {
        throw new OrdoError('unsupported_media_type', 'Send the body as application/json.');
      }
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      } catch {
        throw new OrdoError('bad_request', 'The body is not valid UTF-8.');
      }
      if (jsonDepth(text) > maxDepth) throw new OrdoError('bad_request', `JSON nested deeper than ${maxDepth} levels.`);
      // Parsed here so that bad JSON is refused in Ordo's words; Hono's c.req.json() parses the
      // cached text again for the validator (it has no cache for the parsed value).
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new OrdoError('bad_request', 'The body is not valid JSON.');
      }
      // A member named twice means what the last one says to JSON.parse and something else to
      // another reader (and to whoever hashed the body for `bdh`): refused, not guessed.
      const twice = duplicateMember(text, parsed);
      if (twice !== null) throw new OrdoError('bad_request', `The body has the member "${twice}" twice.`);
      cacheText(c, text);
      return next();
    }
  };
}
