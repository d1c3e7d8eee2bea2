import { router } from '../../openapi.js';
import { addActor } from './add-actor.js';
import { addKey } from './add-key.js';
import { loadCrlRoute } from './crl.js';
import { revokeKey } from './revoke-key.js';
import { reinstateActor, suspendActor } from './status.js';

export const adminRoutes = router().route('/', addActor).route('/', addKey).route('/', revokeKey).route('/', suspendActor).route('/', reinstateActor).route('/', loadCrlRoute);
