import { router } from '../../openapi.js';
import { cancelPrescription } from './cancel.js';
import { reprintCode } from './code.js';
import { getPrescription } from './get.js';
import { issuePrescription } from './issue.js';
import { listPrescriptions } from './list.js';

export const prescriptionRoutes = router().route('/', issuePrescription).route('/', listPrescriptions).route('/', getPrescription).route('/', reprintCode).route('/', cancelPrescription);
