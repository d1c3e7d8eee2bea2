import { createRoute } from '@hono/zod-openapi';
import { ClockMoveSchema, SandboxClockSchema } from '../../../contract/sandbox.js';
import { moveSandboxClock } from '../../../service/sandbox-clock.js';
import { requireRegistrar } from '../../middleware/auth.js';
import { adminSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/clock',
  operationId: 'moveSandboxClock',
  tags: ['Sandbox'],
  summary: "Sandbox only: move the sandbox's clock forward (404 outside a sandbox)",
  description:
    'Moves the clock that validity, claims and pace follow, for every process on the database, then sweeps at the new time (`expired`, `claim_expired`). Forward only: an earlier time is 409 `conflict`. Request tokens and the documents\' `iat` / `dispensedAt` stay on real time.',
  security: adminSecurity,
  middleware: [requireRegistrar()] as const,
  request: { body: { content: { 'application/json': { schema: ClockMoveSchema } }, required: true } },
  responses: {
    200: { description: "The sandbox's clock after the move", content: { 'application/json': { schema: SandboxClockSchema } } },
    ...problems(400, 401, 404, 409, 413, 415),
  },
});

export const moveClock = router().openapi(route, async (c) => c.json(await moveSandboxClock(c.var.deps, c.req.valid('json')), 200));
