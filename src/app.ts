/**
 * The one app factory. Entry points (Node, Workers) and tests build `deps` and call this.
 */
import { etag } from 'hono/etag';
import { secureHeaders } from 'hono/secure-headers';
import type { Deps } from './deps.js';
import { HTTPException } from 'hono/http-exception';
import { OrdoError, type ProblemCode } from './domain/errors.js';
import { requireRegistrar } from './http/middleware/auth.js';
import { jsonBody } from './http/middleware/json-body.js';
import { requestId } from './http/middleware/request-id.js';
import { requestLog } from './http/middleware/request-log.js';
import { router } from './http/openapi.js';
import { problemResponse } from './http/problem.js';
import { adminRoutes } from './http/routes/admin/index.js';
import { claimRoutes } from './http/routes/claims/index.js';
import { directoryRoutes } from './http/routes/directory/index.js';
import { feedRoutes } from './http/routes/feed/index.js';
import { fhirRoutes } from './http/routes/fhir/index.js';
import { holderRoutes } from './http/routes/holder/index.js';
import { logRoutes } from './http/routes/log/index.js';
import { prescriptionRoutes } from './http/routes/prescriptions/index.js';
import { docs } from './http/routes/system/docs.js';
import { assets } from './http/routes/pages/assets.js';
import { pages } from './http/routes/pages/index.js';
import { health } from './http/routes/system/health.js';
import { sandboxRoutes } from './http/routes/sandbox/index.js';
import { jwks } from './http/routes/system/jwks.js';
import { enrolRoutes } from './http/routes/enrol/index.js';

/**
 * `storeOf`: where a request's store comes from when it is not `deps.store` (Workers over
 * Hyperdrive: a store of its own per request, passed in the request's env).
 */
export function createApp(deps: Deps, storeOf?: (env: unknown) => Deps['store']) {
  const app = router();

  app.use('*', requestId(), async (c, next) => {
    c.set('deps', storeOf ? { ...deps, store: storeOf(c.env) } : deps);
    await next();
  });
  app.use('*', requestLog(), secureHeaders({ crossOriginResourcePolicy: 'same-origin' }));
  // A revocation list is DER or PEM, and may list 100,000 certificates: only the registrar's is read.
  app.use('/v1/admin/crl', requireRegistrar());
  app.use('/v1/*', jsonBody({ raw: { '/v1/admin/crl': { maxBytes: 16 * 1024 * 1024, type: /^application\/(pkix-crl|x-pem-file)\s*(;.*)?$/i, label: 'application/pkix-crl (DER) or application/x-pem-file (PEM)' } } }));
  // Public reads that clients poll: revalidated by ETag (304 without a body).
  app.use('/v1/directory/*', etag());
  app.use('/.well-known/jwks.json', etag());

  app
    // First: in a sandbox, its middleware puts every request after it on the sandbox's time.
    .route('/', sandboxRoutes)
    .route('/', health)
    .route('/', jwks)
    .route('/', docs)
    .route('/', assets)
    .route('/', pages)
    .route('/', directoryRoutes)
    .route('/', enrolRoutes)
    .route('/', adminRoutes)
    .route('/', prescriptionRoutes)
    .route('/', claimRoutes)
    .route('/', holderRoutes)
    .route('/', fhirRoutes)
    .route('/', feedRoutes)
    .route('/', logRoutes);

  app.openAPIRegistry.registerComponent('securitySchemes', 'requestToken', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWS, typ ordo-req+jwt',
    description: 'A request token signed by the prescriber or pharmacy (see the design: alg, kid, typ; iss, aud, iat, exp, jti, htm, htu, bdh, sub).',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'registrar', { type: 'http', scheme: 'bearer', description: 'ORDO_ADMIN_TOKEN' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Ordo',
      version: '1',
      description: 'Dematerialised prescriptions: signed documents, a code the patient carries, and a trace nobody can forge. Errors are RFC 9457 problem documents with a stable `code`.',
    },
    servers: [{ url: deps.config.issuer }],
  });

  app.notFound((c) => problemResponse(c, new OrdoError('not_found', 'No such route.')));
  app.onError((err, c) => {
    if (err instanceof OrdoError) return problemResponse(c, err);
    // Hono's own refusals (e.g. its validator on an empty or unreadable body) are the client's.
    if (err instanceof HTTPException && err.status < 500) return problemResponse(c, fromHttpException(err));
    // Not the client's fault. Log the error's kind and message only: never request data.
    deps.log({ level: 'error', reqId: c.var.requestId, route: c.req.routePath, error: err.name, message: err.message });
    return problemResponse(c, new OrdoError('internal', 'Something went wrong on our side. Retrying the same request is safe: steps are idempotent or refuse a second use of a token.'));
  });
  return app;
}

export type OrdoApp = ReturnType<typeof createApp>;

const byStatus: Record<number, ProblemCode> = { 400: 'bad_request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type' };

function fromHttpException(err: HTTPException): OrdoError {
  const code = byStatus[err.status] ?? 'bad_request';
  const detail = /malformed json/i.test(err.message) ? 'The body is missing or is not valid JSON.' : err.message || 'Malformed request.';
  return new OrdoError(code, detail);
}
