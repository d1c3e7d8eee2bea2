import { createRoute } from '@hono/zod-openapi';
import { CrlParams, CrlSchema } from '../../../contract/index.js';
import { publicCrl } from '../../../service/crls-public.js';
import { problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/v1/directory/crls/{ca}',
  operationId: 'getCrl',
  tags: ['Directory'],
  summary: 'The revocation list Ordo keeps for a CA of the health PKI (the newest loaded)',
  request: { params: CrlParams },
  responses: {
    200: { description: 'The CRL, as the CA signed it', content: { 'application/pkix-crl': { schema: CrlSchema } } },
    ...problems(400, 404),
  },
});

export const getCrl = router().openapi(route, async (c) => {
  const der = await publicCrl(c.var.deps, c.req.valid('param').ca);
  // A newer list may be loaded at any time: caches revalidate.
  return c.body(der as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/pkix-crl', 'Cache-Control': 'no-cache' });
});
