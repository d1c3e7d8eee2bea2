/**
 * The request id: always Ordo's own (a random UUID), set on the context for the log and answered
 * in `X-Request-Id`. A client's `X-Request-Id` is never taken up: whatever a client writes there
 * would be logged and echoed, and a code (or a patient's name) must never reach either.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

export type RequestIdOptions = { headerName?: string; generate?: () => string };

export function requestId(opts: RequestIdOptions = {}): MiddlewareHandler<AppEnv> {
  const headerName = opts.headerName ?? 'X-Request-Id';
  const generate = opts.generate ?? (() => crypto.randomUUID());
  return async function setRequestId(c, next) {
    const id = generate();
    c.set('requestId', id);
    c.header(headerName, id);
    await next();
  };
}
