import { createRoute } from '@hono/zod-openapi';
import { JwksSchema } from '../../../contract/index.js';
import { router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getJwks',
  tags: ['System'],
  summary: "Ordo's public keys for receipts, retired ones included",
  responses: {
    200: { description: 'JWK Set, with an `ETag`', content: { 'application/json': { schema: JwksSchema } } },
    304: { description: 'Unchanged since the `ETag` sent in `If-None-Match`' },
  },
});

export const jwks = router().openapi(route, (c) => {
  const { signer, retired } = c.var.deps.keys;
  c.header('Cache-Control', 'public, max-age=300');
  return c.json({ keys: [signer.publicJwk, ...retired] }, 200);
});
