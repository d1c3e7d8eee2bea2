import { router } from '../../openapi.js';
import { getCrl } from './crl.js';
import { getDirectoryEntry } from './get.js';

export const directoryRoutes = router().route('/', getCrl).route('/', getDirectoryEntry);
