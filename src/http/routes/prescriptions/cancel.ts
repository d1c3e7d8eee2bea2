import { createRoute } from '@hono/zod-openapi';
import { CancelRequestSchema, IdParams, StatusReceiptSchema } from '../../../contract/index.js';
import { cancelPrescription as cancel } from '../../../service/cancel.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/prescriptions/{id}/cancel',
  operationId: 'cancelPrescription',
  tags: ['Prescriber'],
  summary: 'Cancel a prescription, even while a pharmacy holds it (idempotent)',
  description: 'Cancel always wins, for patient safety: it ends any claim, and the claimant’s next call gets 410 `cancelled` with the reason. Dispensings already recorded stay. The body carries a random `salt` beside the reason: the request token, the event’s proof, is stored in clear, and without the salt its `bdh` would let anyone confirm a guessed reason. The body as signed is stored sealed; the code holder’s lookup opens it (the cancelled event’s `body`) and the verifier checks it against `bdh`.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', sub: 'id' })] as const,
  request: {
    params: IdParams,
    body: { content: { 'application/json': { schema: CancelRequestSchema } }, required: true },
  },
  responses: {
    200: { description: 'Cancelled (or already cancelled)', content: { 'application/json': { schema: StatusReceiptSchema } } },
    ...problems(400, 401, 403, 404, 410, 413, 415),
  },
});

export const cancelPrescription = router().openapi(route, async (c) => {
  // Validated here; what is sealed is the body as signed (its raw bytes, which the token's bdh hashes).
  c.req.valid('json');
  return c.json(await cancel(c.var.deps, c.var.caller, c.req.valid('param').id, c.var.rawBody), 200);
});
