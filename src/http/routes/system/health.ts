import { createRoute } from '@hono/zod-openapi';
import { HealthAnswerSchema } from '../../../contract/sandbox.js';
import { isoAt } from '../../../domain/events.js';
import { router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  tags: ['System'],
  summary: 'Health: up, and whether the database answers; in a sandbox, its time',
  responses: {
    200: { description: 'Up; the database answers', content: { 'application/json': { schema: HealthAnswerSchema } } },
    503: { description: 'The database does not answer', content: { 'application/json': { schema: HealthAnswerSchema } } },
  },
});

export const health = router().openapi(route, async (c) => {
  const { store, config, clock } = c.var.deps;
  const up = await store.ping().then(
    () => true,
    () => false,
  );
  // In a sandbox the request is on its time already (routes/sandbox): say it, so clients and pages see it.
  const sandbox = config.sandbox ? { sandbox: { now: isoAt(clock()) } } : {};
  return up ? c.json({ status: 'ok' as const, database: 'ok' as const, ...sandbox }, 200) : c.json({ status: 'unavailable' as const, database: 'unreachable' as const, ...sandbox }, 503);
});
