import { createRoute } from '@hono/zod-openapi';
import { FHIR_JSON, FhirBundleSchema, FhirLookupRequestSchema } from '../../../contract/fhir.js';
import { holderFhir } from '../../../service/fhir.js';
import { problems, router } from '../../openapi.js';
import { contractBundle, fhirMediaType } from './accept.js';

const route = createRoute({
  method: 'post',
  path: '/v1/lookup/fhir',
  operationId: 'lookupFhir',
  tags: ['Code holder', 'FHIR'],
  summary: 'Open a prescription with its code, as a FHIR R4 Bundle: what POST /v1/lookup shows',
  description:
    'Task, MedicationRequest per item, MedicationDispense per dispensing line, Patient, Practitioner, the pharmacies as Organization, and a Provenance per event signed by its actor’s JWS and Ordo’s receipt. The code travels in the body, never in a URL; failed codes count against the same limit as POST /v1/lookup (429 with Retry-After).',
  request: { body: { content: { 'application/json': { schema: FhirLookupRequestSchema } }, required: true } },
  responses: {
    // Also answered as application/json to a client that accepts only that (./accept.ts): the same bytes.
    200: { description: 'The Bundle (`application/json` instead to a client that accepts only that)', content: { [FHIR_JSON]: { schema: FhirBundleSchema } } },
    ...problems(400, 404, 413, 415, 429),
  },
});

export const lookupFhir = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const bundle = await holderFhir(deps, c.req.valid('json').code, deps.clientAddress(c));
  c.header('Cache-Control', 'no-store');
  c.header('Vary', 'Accept');
  return c.json(contractBundle(bundle), 200, { 'Content-Type': fhirMediaType(c.req.header('accept')) });
});
