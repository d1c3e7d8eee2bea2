import { createRoute } from '@hono/zod-openapi';
import { JwksSchema } from '../../../contract/index.js';
import { router } from '../../openapi.js';

const route = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['System'],
  summary: "Ordo's public keys for receipts, retired ones included",
  responses: {
    200: { description: 'JWK Set', content: { 'application/json': { schema: JwksSchema } } },
  },
});

export const jwks = router().openapi(route, (c) => {
  const { signer, retired } = c.var.deps.keys;
  c.header('Cache-Control', 'public, max-age=300');
  return c.json({ keys: [signer.publicJwk, ...retired] }, 200);
});
