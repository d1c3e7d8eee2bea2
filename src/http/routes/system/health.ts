import { createRoute } from '@hono/zod-openapi';
import { HealthSchema } from '../../../contract/index.js';
import { router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['System'],
  summary: 'Liveness',
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: HealthSchema } } } },
});

export const health = router().openapi(route, (c) => c.json({ status: 'ok' as const }, 200));
