/**
 * One JSON line per request: id, method, matched route pattern (never the concrete path, which
 * could one day carry something sensitive), status, duration and the acting actor's id.
 * Nothing from bodies: no code, no patient, no document.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

export function requestLog(): MiddlewareHandler<AppEnv> {
  return async function logRequest(c, next) {
    const started = performance.now();
    await next();
    c.var.deps.log({
      level: c.res.status >= 500 ? 'error' : 'info',
      reqId: c.var.requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      actor: c.var.caller?.actor.id,
      problem: c.var.problem,
    });
  };
}
