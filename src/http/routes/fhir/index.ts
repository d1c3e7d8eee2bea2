import { router } from '../../openapi.js';
import { lookupFhir } from './lookup.js';
import { getPrescriptionFhir } from './prescription.js';

export const fhirRoutes = router().route('/', getPrescriptionFhir).route('/', lookupFhir);
