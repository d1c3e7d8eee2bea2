/** A request token is good once: the same token sent again is refused with replayed_token. */
import { signRequestToken } from '../../client/sign.js';
import { expectEqual, expectStatus, step } from '../expect.js';
import type { Check } from '../run.js';

export const replayCheck: Check = {
  name: 'replay',
  summary: 'the same request token sent twice: the second is refused with 401 replayed_token',
  async run(t) {
    const md = await t.actor('prescriber', 'md');
    // Signed on the server's time, as the SDK signs (a sandbox's clock runs ahead).
    const token = await signRequestToken({ key: md.key, iss: md.id, aud: t.ordo.issuer, method: 'GET', path: '/v1/prescriptions', now: Math.floor(t.ordo.now() / 1000) });
    const list = () => step('GET /v1/prescriptions', t.rawFetch('/v1/prescriptions', { headers: { authorization: `Bearer ${token}` } }));
    const first = await list();
    await expectStatus(first, 200, 'the first use of a request token (GET /v1/prescriptions)');
    await first.body?.cancel();
    const again = await list();
    const body = (await again.json().catch(() => null)) as { code?: unknown } | null;
    expectEqual([again.status, body?.code], [401, 'replayed_token'], 'the same request token sent again: status and problem code');
  },
};
