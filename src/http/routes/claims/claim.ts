import { createRoute } from '@hono/zod-openapi';
import { decodeJwt } from 'jose';
import { b64url, randomBytes } from '../../../crypto/hash.js';
import { parseCode } from '../../../domain/code.js';
import { OrdoError } from '../../../domain/errors.js';
import { isoAt } from '../../../domain/events.js';
import { contentKeyOf, resolveCode } from '../../../service/code-access.js';
import { claimedElsewhere, lastReceipt, refuseIfClosed } from '../../../service/lifecycle.js';
import { accountOf, expireIfDue } from '../../../service/state.js';
import { recordToken } from '../../../service/tokens.js';
import { commitTransition, withRetry, type EventSpec } from '../../../service/transition.js';
import { openTrace } from '../../../service/trace.js';
import type { PrescriptionRow } from '../../../store/types.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';
import { ClaimBodySchema, ClaimedSchema } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/claims',
  tags: ['Pharmacy'],
  summary: 'Claim a prescription by its code: opens it and locks it for this pharmacy',
  description:
    'The request token carries `sub` = the first 16 symbols of the code (the prescription id). The holder claiming again gets the same claim (200), renewed once less than half of its time is left, or at once when it asks for a longer `ttl` than its current claim (goods on order). Claimed elsewhere: 409 `claimed_elsewhere` with `claimedUntil`; completed, cancelled, expired: 410.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'pharmacy', sub: true })] as const,
  request: { body: { content: { 'application/json': { schema: ClaimBodySchema } }, required: true } },
  responses: {
    201: { description: 'Claimed', content: { 'application/json': { schema: ClaimedSchema } } },
    200: { description: 'Already held by this pharmacy (renewed when less than half of its time was left)', content: { 'application/json': { schema: ClaimedSchema } } },
    ...problems(400, 401, 403, 404, 409, 410, 413, 415, 429),
  },
});

export const claim = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const caller = c.var.caller;
  const body = c.req.valid('json');
  const ttl = body.ttl ?? deps.config.claimTtl;
  if (ttl > deps.config.claimMaxTtl) throw new OrdoError('bad_request', `ttl: at most ${deps.config.claimMaxTtl} seconds.`);
  const parsed = parseCode(body.code);
  if (parsed.ok && parsed.idText !== caller.sub) throw new OrdoError('unauthenticated', 'Request token: sub must be the first 16 symbols of the code.');
  const { row: found } = await resolveCode(deps, body.code, deps.clientAddress(c));
  const pharmacy = { id: caller.actor.id, kind: 'pharmacy' as const, kid: caller.kid };

  const outcome = await withRetry(async () => {
    const row = await expireIfDue(deps, (await deps.store.getPrescription(found.id))!);
    await refuseIfClosed(deps, row);
    const now = deps.clock();
    const claimed = (claimId: string): EventSpec => ({ type: 'claimed', actor: pharmacy, claim: claimId, proof: caller.token, claimedUntil: now + ttl * 1000 });
    const lock = (claimId: string) => ({ status: 'claimed' as const, claimId, claimPharmacy: caller.actor.id, claimExpiresAt: now + ttl * 1000, claimTtl: ttl });

    if (row.status === 'claimed' && row.claimPharmacy === caller.actor.id) {
      const left = row.claimExpiresAt! - now;
      // Renewed once less than half is left, or at once when the holder asks to hold it longer
      // than its current claim (goods on order); otherwise a second scan changes nothing.
      const longer = body.ttl !== undefined && ttl > row.claimTtl! && now + ttl * 1000 > row.claimExpiresAt!;
      if (left * 2 >= row.claimTtl! * 1000 && !longer) {
        await recordToken(deps, caller.use);
        return { row, receipt: lastReceipt(await deps.store.getEvents(row.id), 'claimed', row.claimId)!, status: 200 as const };
      }
      const r = await commitTransition(deps, { from: row, set: lock(row.claimId!), events: [claimed(row.claimId!)], token: caller.use });
      return { row: r.row, receipt: r.events.at(-1)!.receipt, status: 200 as const };
    }
    const claimId = b64url(randomBytes(16));
    let events: EventSpec[] = [claimed(claimId)];
    if (row.status === 'claimed') {
      if (now < row.claimExpiresAt!) throw claimedElsewhere(row);
      // The other pharmacy's claim has lapsed: end it and take over in one write.
      events = [{ type: 'claim_expired', actor: 'ordo', claim: row.claimId, proof: null }, ...events];
    }
    const r = await commitTransition(deps, { from: row, set: lock(claimId), events, token: caller.use });
    return { row: r.row, receipt: r.events.at(-1)!.receipt, status: 201 as const };
  });

  const row: PrescriptionRow = outcome.row;
  const [first] = await openTrace(deps, row, await contentKeyOf(deps, row), [(await deps.store.getEvent(row.id, 0))!]);
  const prescriber = await deps.store.getActor(row.prescriberId);
  c.header('Cache-Control', 'no-store');
  return c.json(
    {
      claim: { id: row.claimId!, expiresAt: isoAt(row.claimExpiresAt!) },
      prescription: {
        id: row.id,
        document: first!.proof!,
        content: decodeJwt(first!.proof!) as Record<string, unknown>,
        prescriber: { id: row.prescriberId, name: prescriber?.name ?? null, profession: prescriber?.profession ?? null, specialty: prescriber?.specialty ?? null },
        issuedAt: row.issuedAt,
        validUntil: row.validUntil,
        ...accountOf(deps, row),
        status: row.status,
      },
      receipt: outcome.receipt,
    },
    outcome.status,
  );
});
