import { createRoute } from '@hono/zod-openapi';
import { SandboxSamplesSchema } from '../../../contract/sandbox.js';
import { sandboxSamples } from '../../../service/sandbox-clock.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/v1/admin/sandbox/samples',
  operationId: 'listSandboxSamples',
  tags: ['Sandbox'],
  summary: 'Sandbox only: the seeded sample prescriptions, one per state, with their codes (404 outside a sandbox)',
  security: adminSecurity,
  middleware: [requireRegistrar()] as const,
  responses: {
    200: { description: 'The samples and their current codes (test data)', content: { 'application/json': { schema: SandboxSamplesSchema } } },
    ...problems(401, 404),
  },
});

export const listSamples = router().openapi(route, async (c) => {
  const answer = await sandboxSamples(c.var.deps);
  c.header('Cache-Control', 'no-store');
  return c.json(answer, 200);
});
