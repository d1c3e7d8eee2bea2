import { router } from '../../openapi.js';
import { getDirectoryEntry } from './get.js';

export const directoryRoutes = router().route('/', getDirectoryEntry);
