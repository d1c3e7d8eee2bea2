import { createRoute } from '@hono/zod-openapi';
import { HealthSchema } from '../../../contract/index.js';
import { router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['System'],
  summary: 'Health: up, and whether the database answers',
  responses: {
    200: { description: 'Up; the database answers', content: { 'application/json': { schema: HealthSchema } } },
    503: { description: 'The database does not answer', content: { 'application/json': { schema: HealthSchema } } },
  },
});

export const health = router().openapi(route, async (c) => {
  const up = await c.var.deps.store.ping().then(
    () => true,
    () => false,
  );
  return up ? c.json({ status: 'ok' as const, database: 'ok' as const }, 200) : c.json({ status: 'unavailable' as const, database: 'unreachable' as const }, 503);
});
