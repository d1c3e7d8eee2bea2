import { router } from '../../openapi.js';
import { claim } from './claim.js';
import { dispense } from './dispense.js';
import { release } from './release.js';

export const claimRoutes = router().route('/', claim).route('/', dispense).route('/', release);
