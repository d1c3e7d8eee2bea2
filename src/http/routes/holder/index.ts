import { router } from '../../openapi.js';
import { dataMatrix } from './datamatrix.js';
import { lookup } from './lookup.js';

export const holderRoutes = router().route('/', lookup).route('/', dataMatrix);
