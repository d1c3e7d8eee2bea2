/** POST /v1/enrol: a certified practitioner or pharmacy enters the directory with its certificate. */
import { createRoute } from '@hono/zod-openapi';
import { DirectoryEntrySchema, EnrolSchema } from '../../../contract/index.js';
import { enrol } from '../../../service/enrol.js';
import { checkRequestToken, checkSignature } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

const route = createRoute({
  method: 'post',
  path: '/v1/enrol',
  operationId: 'enrol',
  tags: ['Directory'],
  summary: 'Enrol with a certificate of a configured health PKI, without a registrar',
  description:
    "The chain (`x5c`, leaf first) is validated now against ORDO_TRUST_ANCHORS; the actor id, name and profession are read from the leaf. The request token is the proof of possession: signed by the certified key (`kid` its RFC 7638 thumbprint, `alg` PS256 or RS256 for RSA, ES256 for P-256), `iss` the id the certificate names. A new actor is created, or the key added to the actor. The same key again answers the entry with 200.",
  security: bearerSecurity,
  request: { body: { content: { 'application/json': { schema: EnrolSchema } }, required: true } },
  responses: {
    201: { description: 'Enrolled: the directory entry', content: { 'application/json': { schema: DirectoryEntrySchema } } },
    200: { description: 'This key was enrolled already: the directory entry', content: { 'application/json': { schema: DirectoryEntrySchema } } },
    ...problems(400, 401, 'forbidden', 'revocation_unknown', 'not_found', 'conflict', 413, 415, 'certificate_refused'),
  },
});

export const enrolRoutes = router().openapi(route, async (c) => {
  const checked = await checkRequestToken(c, {});
  const proof = {
    iss: checked.claims.iss,
    kid: checked.header.kid,
    alg: checked.header.alg,
    use: checked.use,
    verify: (key: Parameters<typeof checkSignature>[3]) => checkSignature(c, checked.token, checked.header.alg, key),
  };
  const { status, entry } = await enrol(c.var.deps, c.req.valid('json'), proof);
  c.header('Cache-Control', 'no-store');
  return c.json(entry, status);
});
