import { createRoute, z } from '@hono/zod-openapi';
import { CrlLoadedSchema } from '../../../contract/index.js';
import { loadCrl } from '../../../service/crl.js';
import { adminSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/admin/crl',
  operationId: 'loadCrl',
  tags: ['Registrar'],
  summary: "Load a CA's certificate revocation list: keys of revoked certificates are revoked at the list's dates",
  description: 'The body is the CRL: DER (`application/pkix-crl`) or PEM (`application/x-pem-file`), at most 16 MiB, signed by a CA of ORDO_TRUST_ANCHORS and not past its nextUpdate.',
  // The registrar is checked in app.ts, before up to 16 MiB of body is read.
  security: adminSecurity,
  request: {
    body: {
      content: { 'application/pkix-crl': { schema: z.string().openapi({ format: 'binary' }) }, 'application/x-pem-file': { schema: z.string() } },
      required: true,
    },
  },
  responses: {
    200: { description: 'Loaded', content: { 'application/json': { schema: CrlLoadedSchema } } },
    ...problems(400, 'unauthenticated', 'not_found', 413, 415, 'crl_refused'),
  },
});

export const loadCrlRoute = router().openapi(route, async (c) => c.json(await loadCrl(c.var.deps, c.var.rawBody), 200));
