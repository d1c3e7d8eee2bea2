import { createRoute } from '@hono/zod-openapi';
import { FHIR_JSON, FhirBundleSchema } from '../../../contract/fhir.js';
import { IdParams } from '../../../contract/index.js';
import { prescriberFhir } from '../../../service/fhir.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';
import { contractBundle, fhirMediaType } from './accept.js';

const route = createRoute({
  method: 'get',
  path: '/v1/prescriptions/{id}/fhir',
  operationId: 'getPrescriptionFhir',
  tags: ['Prescriber', 'FHIR'],
  summary: 'One of your prescriptions as a FHIR R4 Bundle: what GET /v1/prescriptions/{id} shows',
  description:
    'Task (the state), a MedicationRequest per item (status and what was dispensed, no medicine nor patient: your view has neither), your Practitioner, a Provenance per event (pharmacies as "pharmacy" only, no signatures: your view has no proofs). Same access rules as GET /v1/prescriptions/{id}: someone else’s prescription is 404.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', sub: 'id', recordRead: true })] as const,
  request: { params: IdParams },
  responses: {
    // Also answered as application/json to a client that accepts only that (./accept.ts): the same bytes.
    200: { description: 'The Bundle (`application/json` instead to a client that accepts only that)', content: { [FHIR_JSON]: { schema: FhirBundleSchema } } },
    ...problems(400, 401, 403, 404),
  },
});

export const getPrescriptionFhir = router().openapi(route, async (c) => {
  const bundle = await prescriberFhir(c.var.deps, c.var.caller, c.req.valid('param').id);
  c.header('Cache-Control', 'private, no-cache');
  c.header('Vary', 'Accept');
  return c.json(contractBundle(bundle), 200, { 'Content-Type': fhirMediaType(c.req.header('accept')) });
});
