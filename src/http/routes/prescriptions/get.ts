import { createRoute } from '@hono/zod-openapi';
import { IdParams, PrescriberViewSchema } from '../../../contract/index.js';
import { prescriberView } from '../../../service/view.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/v1/prescriptions/{id}',
  operationId: 'getPrescription',
  tags: ['Prescriber'],
  summary: 'One of your prescriptions: state, per-item totals and dispensed, events without proofs',
  description: 'Pharmacies appear as `{ kind: "pharmacy" }` only: the patient chooses the pharmacy freely. The full chain is verifiable with the code.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', sub: 'id', recordRead: true })] as const,
  request: { params: IdParams },
  responses: {
    200: { description: 'The prescription, with an `ETag`', content: { 'application/json': { schema: PrescriberViewSchema } } },
    304: { description: 'Unchanged since the `ETag` sent in `If-None-Match`: polling costs one row read' },
    ...problems(400, 401, 403, 404),
  },
});

export const getPrescription = router().openapi(route, async (c) => {
  const { etag, view } = await prescriberView(c.var.deps, c.var.caller, c.req.valid('param').id, c.req.header('if-none-match'));
  c.header('ETag', etag);
  c.header('Cache-Control', 'private, no-cache');
  return view ? c.json(view, 200) : c.body(null, 304);
});
