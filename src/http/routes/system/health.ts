import { createRoute, z } from '@hono/zod-openapi';
import { router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['System'],
  summary: 'Liveness',
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

export const health = router().openapi(route, (c) => c.json({ status: 'ok' as const }, 200));
