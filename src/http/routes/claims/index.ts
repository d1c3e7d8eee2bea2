import { router } from '../../openapi.js';
import { claim } from './claim.js';
import { correct } from './correct.js';
import { dispense } from './dispense.js';
import { extend } from './extend.js';
import { heldClaims } from './held.js';
import { release } from './release.js';

export const claimRoutes = router().route('/', claim).route('/', dispense).route('/', release).route('/', correct).route('/', heldClaims).route('/', extend);
