/** Pharmacy-side helpers over the harness: claim, dispense, release. */
import { base64url } from 'jose';
import { signDocument } from '../../src/client/sign.js';
import type { V1Claimed, V1Dispensed, V1Problem, V1StatusReceipt } from '../../src/contract/index.js';
import { randomBytes } from '../../src/crypto/hash.js';
import { ISSUER, type Harness, type TestActor } from './harness.js';

/**
 * A helper's answer: the route's answer on success; on a refusal the same body is a problem, so
 * its members are typed too (`code`, `detail`, and extras such as `claimedUntil` or `reason`).
 */
export type Reply<T> = { status: number; body: T & Partial<Pick<V1Problem, 'type' | 'title' | 'detail' | 'code'>> & { [member: string]: unknown } };

const reply = async <T>(res: Response): Promise<Reply<T>> => ({ status: res.status, body: (await res.json()) as Reply<T>['body'] });

export const idOf = (code: string) => code.replaceAll('-', '').replace(/^ORDO1:/, '').slice(0, 16);

export async function claim(h: Harness, pharmacy: TestActor, code: string, ttl?: number) {
  const res = await h.call(pharmacy, 'POST', '/v1/claims', { body: { code, ...(ttl !== undefined && { ttl }) }, sub: idOf(code) });
  return reply<V1Claimed>(res);
}

export type Line = { item: number; quantity: number; substitution?: unknown; reason?: string | null; dispensed?: unknown; lot?: string };

export async function dispenseRecord(h: Harness, pharmacy: TestActor, rxId: string, claimId: string, lines: Line[], over: Record<string, unknown> = {}) {
  return signDocument(pharmacy.key, 'ordo-dispense+jwt', {
    iss: pharmacy.id, aud: ISSUER, jti: `d-${base64url.encode(randomBytes(9))}`, iat: Math.floor((h.clock.now + h.signing.offset) / 1000),
    prescription: rxId, claim: claimId, dispensedBy: { id: '10007654321', name: 'Paul Hamon' }, identityCheck: 'vitale',
    lines: lines.map((l) => ({ substitution: null, reason: null, ...l })),
    ...over,
  });
}

export async function dispense(h: Harness, pharmacy: TestActor, rxId: string, claimId: string, lines: Line[], over: Record<string, unknown> = {}, record?: string) {
  const jws = record ?? (await dispenseRecord(h, pharmacy, rxId, claimId, lines, over));
  const res = await h.call(pharmacy, 'POST', `/v1/claims/${claimId}/dispense`, { body: { dispensation: jws }, sub: rxId });
  return { ...(await reply<V1Dispensed>(res)), jws };
}

/** A fresh salt, as the SDK puts one in every confidential body (design: the request token's `bdh` then reveals nothing). */
export const salt = () => base64url.encode(randomBytes(16));

export async function release(h: Harness, pharmacy: TestActor, rxId: string, claimId: string, reason?: string) {
  const res = await h.call(pharmacy, 'POST', `/v1/claims/${claimId}/release`, { body: { ...(reason && { reason }), salt: salt() }, sub: rxId });
  return reply<V1StatusReceipt>(res);
}

export async function cancel(h: Harness, prescriber: TestActor, rxId: string, reason = 'Erreur de posologie') {
  const res = await h.call(prescriber, 'POST', `/v1/prescriptions/${rxId}/cancel`, { body: { reason, salt: salt() }, sub: rxId });
  return reply<V1StatusReceipt>(res);
}

/** Counts that must not move when a request is refused. */
export function snapshot(h: Harness, rxId: string) {
  return {
    row: h.db.prepare('select status, version, head_hash, progress, claim_id, claim_expires_at from prescriptions where id = ?').get(rxId),
    events: h.db.prepare('select count(*) n from events where prescription_id = ?').get(rxId),
    dispensations: h.db.prepare('select count(*) n from dispensations').get(),
  };
}
