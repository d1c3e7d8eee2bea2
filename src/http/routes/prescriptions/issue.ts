import { createRoute } from '@hono/zod-openapi';
import { canonicalJson, randomBytes } from '../../../crypto/hash.js';
import { keyedMac } from '../../../crypto/ordo-keys.js';
import { seal } from '../../../crypto/seal.js';
import { computeV, encodeId, ID_BYTES, timingSafeEqual } from '../../../domain/code.js';
import { OrdoError } from '../../../domain/errors.js';
import { isoAt } from '../../../domain/events.js';
import { checkIssuedAtWindow, validatePrescription } from '../../../domain/prescription.js';
import { codeView } from '../../../service/code-access.js';
import { dataMatrixField } from '../../../service/datamatrix.js';
import { verifyDocument } from '../../../service/documents.js';
import { recordToken } from '../../../service/tokens.js';
import { commitTransition } from '../../../service/transition.js';
import { contentKey } from '../../../crypto/seal.js';
import { CommitConflict, type PrescriptionRow } from '../../../store/types.js';
import type { Deps } from '../../../deps.js';
import { requireActor, type Caller } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';
import { IssueBodySchema, IssuedSchema } from './schema.js';

const route = createRoute({
  method: 'post',
  path: '/v1/prescriptions',
  tags: ['Prescriber'],
  summary: 'Issue a prescription',
  description:
    'Verifies the signed document, stores it sealed, records the `issued` event and answers the code. A retry (same `jti`, same payload) answers the original receipt and the current code with 200; another payload under that `jti` is 409.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'prescriber' })] as const,
  request: { body: { content: { 'application/json': { schema: IssueBodySchema } }, required: true } },
  responses: {
    201: { description: 'Issued', content: { 'application/json': { schema: IssuedSchema } } },
    200: { description: 'A retry of an issued prescription: the original answer', content: { 'application/json': { schema: IssuedSchema } } },
    ...problems(400, 401, 403, 409, 413, 415, 422),
  },
});

/** The answer for a prescription already stored under this (prescriber, jti), or a 409. */
async function retryAnswer(deps: Deps, caller: Caller, existing: PrescriptionRow, mac: string) {
  if (!timingSafeEqual(new TextEncoder().encode(existing.docMac), new TextEncoder().encode(mac))) {
    throw new OrdoError('conflict', 'Another document was already issued under this jti: use a new jti for a new prescription.');
  }
  await recordToken(deps, caller.use);
  const first = (await deps.store.getEvent(existing.id, 0))!;
  return { row: existing, receipt: first.receipt };
}

export const issuePrescription = router().openapi(route, async (c) => {
  const deps = c.var.deps;
  const caller = c.var.caller;
  const body = c.req.valid('json');
  const doc = await verifyDocument(deps, body.prescription, 'ordo-rx+jwt', caller.actor.id);
  if (typeof doc.payload.jti !== 'string') throw new OrdoError('invalid_document', 'The document needs a jti.');
  // A keyed MAC, never a plain hash: a plain one would let a database reader confirm a guessed document.
  const mac = await keyedMac(deps.keys.tokenKey, 'doc', canonicalJson(doc.payload));

  // A retry is recognised before any time-based check, so it still answers after 24 h.
  const existing = await deps.store.getPrescriptionByDocument(caller.actor.id, doc.payload.jti);
  let outcome = existing && (await retryAnswer(deps, caller, existing, mac));
  let retried = Boolean(outcome);
  if (!outcome) {
    const now = deps.clock();
    checkIssuedAtWindow(doc.payload.iat, now, deps.config.skew);
    const rx = validatePrescription(doc.payload, { legalAt: now, tz: deps.config.tz, skewSeconds: deps.config.skew });
    if (rx.payload.replaces) {
      const old = await deps.store.getPrescription(rx.payload.replaces);
      if (!old || old.prescriberId !== caller.actor.id) throw new OrdoError('invalid_document', 'replaces must name one of your own earlier prescriptions.');
    }
    const idRaw = randomBytes(ID_BYTES);
    const id = encodeId(idRaw);
    const key = await contentKey(await computeV(deps.keys.tokenKey.hmacKey, idRaw, 1), idRaw);
    const sealed = await seal(key, body.prescription, { kid: deps.keys.tokenKey.id, rx: id, idx: 0, doc: 'rx' });
    try {
      const { row, events } = await commitTransition(deps, {
        from: {
          insert: {
            id, prescriberId: caller.actor.id, docJti: doc.payload.jti, docMac: mac, status: 'active', codeVersion: 1,
            tokenKeyId: deps.keys.tokenKey.id, issuedAt: isoAt(now), validUntil: rx.validUntil, expiresAt: rx.expiresAt,
            itemCount: rx.items.length, terms: JSON.stringify(rx.items.map(({ quantity, total, supplyDays, substitutable }) => ({ quantity, total, supplyDays, substitutable }))),
            progress: JSON.stringify(rx.items.map(() => ({ dispensed: 0, firstAt: null }))),
            claimId: null, claimPharmacy: null, claimExpiresAt: null, claimTtl: null, cancelReason: null, updatedAt: isoAt(now),
          },
        },
        events: [{ type: 'issued', actor: { id: caller.actor.id, kind: 'prescriber', kid: doc.kid }, claim: null, proof: body.prescription, stored: sealed }],
        token: caller.use,
        now,
      });
      outcome = { row, receipt: events[0]!.receipt };
    } catch (err) {
      // The same document sent twice at once: the loser answers as a retry.
      if (!(err instanceof CommitConflict && err.on === 'document')) throw err;
      outcome = await retryAnswer(deps, caller, (await deps.store.getPrescriptionByDocument(caller.actor.id, doc.payload.jti))!, mac);
      retried = true;
    }
  }
  const { row, receipt } = outcome;
  const code = await codeView(deps, row);
  const answer = {
    id: row.id, ...code, status: row.status, validUntil: row.validUntil, receipt,
    ...(body.datamatrix && { datamatrix: await dataMatrixField(code.payload, body.datamatrix) }),
  };
  c.header('Cache-Control', 'no-store');
  return c.json(answer, retried ? 200 : 201);
});
