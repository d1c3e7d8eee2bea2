import { createRoute, z } from '@hono/zod-openapi';
import { open, seal, type SealedDoc } from '../../../crypto/seal.js';
import { OrdoError } from '../../../domain/errors.js';
import type { Deps } from '../../../deps.js';
import { codeView, contentKeyOf } from '../../../service/code-access.js';
import { dataMatrixField } from '../../../service/datamatrix.js';
import { expireIfDue } from '../../../service/state.js';
import { commitTransition, withRetry } from '../../../service/transition.js';
import { recordToken } from '../../../service/tokens.js';
import type { PrescriptionRow } from '../../../store/types.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, DataMatrixFormat, problems, router } from '../../openapi.js';
import { DataMatrixOut, IdParams } from './schema.js';

const BodySchema = z
  .object({
    rotate: z.boolean().optional().openapi({ description: 'Issue a new code; the old one answers 404 from now on (lost or photographed prescription).' }),
    datamatrix: DataMatrixFormat.optional(),
  })
  .strict()
  .openapi('CodeRequest');

const route = createRoute({
  method: 'post',
  path: '/v1/prescriptions/{id}/code',
  tags: ['Prescriber'],
  summary: 'Reprint the code, or rotate it',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber', sub: 'id' })] as const,
  request: { params: IdParams, body: { content: { 'application/json': { schema: BodySchema } }, required: false } },
  responses: {
    200: { description: 'The current code', content: { 'application/json': { schema: z.object({ code: z.string(), payload: z.string(), receipt: z.string().optional(), datamatrix: DataMatrixOut.optional() }) } } },
    ...problems(400, 401, 403, 404, 409, 413, 415),
  },
});

/**
 * Re-seals every sealed record of the prescription under the key of code version n + 1: the
 * documents of `issued` and `dispensed` events and the cancel reason. Same places, new key.
 */
async function resealAll(deps: Deps, row: PrescriptionRow) {
  const oldKey = await contentKeyOf(deps, row);
  const newKey = await contentKeyOf(deps, row, row.codeVersion + 1);
  const kid = deps.keys.tokenKey.id;
  const reseal: { idx: number; proof: string }[] = [];
  for (const e of await deps.store.getEvents(row.id)) {
    const doc: SealedDoc | null = e.type === 'issued' ? 'rx' : e.type === 'dispensed' ? 'dispense' : null;
    if (!doc || !e.proof) continue;
    const place = { kid, rx: row.id, idx: e.idx, doc };
    reseal.push({ idx: e.idx, proof: await seal(newKey, await open(oldKey, e.proof, place), place) });
  }
  let cancelReason = row.cancelReason;
  if (cancelReason) {
    const cancelIdx = (await deps.store.getEvents(row.id)).find((e) => e.type === 'cancelled')!.idx;
    const place = { kid, rx: row.id, idx: cancelIdx, doc: 'cancel' as const };
    cancelReason = await seal(newKey, await open(oldKey, cancelReason, place), place);
  }
  return { reseal, cancelReason };
}

export const reprintCode = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const caller = c.var.caller;
  const body = c.req.valid('json') ?? {};
  const id = c.req.valid('param').id;
  const own = (row: PrescriptionRow | undefined) => {
    if (!row || row.prescriberId !== caller.actor.id) throw new OrdoError('not_found', 'No such prescription of yours.');
    return row;
  };
  let row = await expireIfDue(deps, own(await deps.store.getPrescription(id)));
  let receipt: string | undefined;
  if (body.rotate) {
    ({ row, receipt } = await withRetry(async () => {
      const fresh = own(await deps.store.getPrescription(id));
      const { reseal, cancelReason } = await resealAll(deps, fresh);
      const { row: next, events } = await commitTransition(deps, {
        from: fresh,
        set: { codeVersion: fresh.codeVersion + 1, tokenKeyId: deps.keys.tokenKey.id, cancelReason },
        events: [{ type: 'code_rotated', actor: { id: caller.actor.id, kind: 'prescriber', kid: caller.kid }, claim: null, proof: caller.token }],
        token: caller.use,
        reseal,
      });
      return { row: next, receipt: events[0]!.receipt };
    }));
  } else {
    await recordToken(deps, caller.use);
  }
  const code = await codeView(deps, row);
  c.header('Cache-Control', 'no-store');
  return c.json({ ...code, ...(receipt && { receipt }), ...(body.datamatrix && { datamatrix: await dataMatrixField(code.payload, body.datamatrix) }) }, 200);
});
