/**
 * The sandbox (docs/design.md § Sandbox): its clock route and samples, and, mounted before every
 * other route, the middleware that puts a sandbox's request on the sandbox's time (one read of
 * the shared offset). Outside a sandbox the middleware reads nothing and the routes answer 404
 * as an unknown route does.
 */
import type { MiddlewareHandler } from 'hono';
import { withSandboxTime } from '../../../service/sandbox.js';
import type { AppEnv } from '../../env.js';
import { router } from '../../openapi.js';
import { moveClock } from './clock.js';
import { listSamples } from './samples.js';

/** In a sandbox, the request's deps on the sandbox's time; otherwise nothing. */
export function sandboxTime(): MiddlewareHandler<AppEnv> {
  return async function sandboxTime(c, next) {
    if (c.var.deps.config.sandbox) {
      // A database that does not answer fails the request's own reads (and /healthz says 503).
      const deps = await withSandboxTime(c.var.deps).catch(() => undefined);
      if (deps) c.set('deps', deps);
    }
    await next();
  };
}

export const sandboxRoutes = router();
sandboxRoutes.use('*', sandboxTime());
sandboxRoutes.route('/', moveClock).route('/', listSamples);
