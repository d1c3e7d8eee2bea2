/**
 * The FHIR R4 export's wire schemas: a Bundle of type `collection` (docs/fhir.md has the mapping).
 * The resources are FHIR's own, validated against the R4 definitions in the tests; here only
 * the Bundle's frame is described, so the OpenAPI document stays small and points to FHIR.
 */
import { z } from '@hono/zod-openapi';
import { LookupRequestSchema } from './holder.js';
import { sample } from './common.js';

/** What the export answers with: `application/fhir+json` (or `application/json` when only that is accepted). */
export const FHIR_JSON = 'application/fhir+json';

// uuidOf(sample.prescriptionId, 'task') (src/fhir/ids.ts): the contract imports no more than zod and the domain.
const taskId = 'e18b7d42-feb3-8c27-b148-e00400000000';

export const FhirBundleSchema = z
  .object({
    resourceType: z.literal('Bundle'),
    type: z.literal('collection'),
    timestamp: z.string().openapi({ description: 'When the export was made (RFC 3339)' }),
    entry: z.array(
      z.object({
        fullUrl: z.string().openapi({ description: '`urn:uuid:` and the resource’s id, stable across exports of the same prescription' }),
        resource: z.object({ resourceType: z.string(), id: z.string() }).catchall(z.unknown()).openapi({ description: 'A FHIR R4 resource: Task, MedicationRequest, MedicationDispense, Patient, Practitioner, Organization, Device or Provenance' }),
      }),
    ),
  })
  .openapi('FhirBundle', {
    description: 'A FHIR R4 Bundle (type collection); see docs/fhir.md for what each resource holds and who sees what.',
    example: {
      resourceType: 'Bundle',
      type: 'collection',
      timestamp: sample.at,
      entry: [
        {
          fullUrl: `urn:uuid:${taskId}`,
          resource: {
            resourceType: 'Task', id: taskId, identifier: [{ system: 'https://ordo.example/v1/prescriptions', value: sample.prescriptionId }],
            status: 'ready', intent: 'order', businessStatus: { text: 'active' }, authoredOn: sample.at,
          },
        },
      ],
    },
  });
export type V1FhirBundle = z.infer<typeof FhirBundleSchema>;

/** POST /v1/lookup/fhir: the same body as POST /v1/lookup. */
export const FhirLookupRequestSchema = LookupRequestSchema;
export type V1FhirLookupRequest = z.input<typeof FhirLookupRequestSchema>;
