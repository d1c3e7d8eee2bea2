/**
 * A new sandbox's test data, made as an integrator would make it: real requests to the app's own
 * routes, signed with the published test keys (service/sandbox-keys.ts). Both runtimes seed the
 * same way, handing over their app's `fetch`. The sample prescriptions carry the document jti
 * `sandbox-sample-<state>`, by which GET /v1/admin/sandbox/samples finds them again (with their
 * codes: test data).
 */
import { toLowS } from '../crypto/ecdsa.js';
import { b64url, randomBytes, sha256b64url } from '../crypto/hash.js';
import { signJws } from '../crypto/suite/compact.js';
import type { SuiteKey } from '../crypto/suite/types.js';
import { endOfDay, localDate } from '../domain/calendar.js';
import type { Deps } from '../deps.js';
import { realClockOf } from './sandbox.js';
import { sandboxActors, type SandboxActor } from './sandbox-keys.js';

export const SAMPLE_JTI_PREFIX = 'sandbox-sample-';
/** The sample prescriptions, in the order they are made; each name is the state it shows. */
export const SAMPLES = ['expired', 'active', 'claimed', 'paced', 'completed', 'cancelled', 'rotated'] as const;
export type SampleName = (typeof SAMPLES)[number];

type Fetch = (request: Request) => Promise<Response>;
type Json = Record<string, unknown>;
const actor = (id: string) => sandboxActors.find((a) => a.id === id)!;
const publicOf = ({ d: _d, ...pub }: SandboxActor['privateJwk']) => pub;

const item = (over: Json = {}) => ({
  code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g, comprimé', dosage: '1 comprimé 3 fois par jour',
  quantity: 2, unit: 'boîte', substitutable: true, ...over,
});

/** Seeds the sandbox behind `fetch` (empty but for its mark); returns the samples' ids by name. Throws on any refused step. */
export async function seedSandbox(deps: Deps, fetch: Fetch): Promise<Record<SampleName, string>> {
  const { issuer } = deps.config;
  const keys = new Map<string, SuiteKey>();
  for (const a of sandboxActors) keys.set(a.id, await deps.crypto.importPrivate(a.privateJwk, a.alg));
  // Clients sign on the sandbox's time (design § Sandbox): real time and the offset, which the seeding moves once.
  let offsetMs = deps.clock() - realClockOf(deps)();
  const nowSec = () => Math.floor((realClockOf(deps)() + offsetMs) / 1000);

  const send = async (method: string, path: string, body: Json | undefined, auth: string): Promise<Json> => {
    const res = await fetch(new Request(`${issuer}${path}`, { method, headers: { authorization: `Bearer ${auth}`, ...(body && { 'content-type': 'application/json' }) }, body: body && JSON.stringify(body) }));
    const answer = (await res.json()) as Json;
    if (res.status >= 300) throw new Error(`sandbox seeding: ${method} ${path} answered ${res.status} ${String(answer.code)}: ${String(answer.detail)}`);
    return answer;
  };
  const sign = async (a: SandboxActor, typ: string, payload: Json) => {
    const jws = await signJws(deps.crypto, keys.get(a.id)!, { alg: a.alg, kid: a.kid, typ }, payload);
    return a.alg === 'ES256' ? toLowS(jws) : jws;
  };
  /** A request signed by `id`, as clients sign them (on the sandbox's time). */
  const as = async (id: string, method: string, path: string, body: Json | undefined, sub?: string) => {
    const a = actor(id);
    const text = body && JSON.stringify(body);
    const iat = nowSec();
    const claims: Json = { iss: a.id, aud: issuer, iat, exp: iat + 120, jti: b64url(randomBytes(18)), htm: method, htu: path, ...(text && { bdh: await sha256b64url(text) }), ...(sub && { sub }) };
    return send(method, path, body, await sign(a, 'ordo-req+jwt', claims));
  };
  const admin = (path: string, body: Json) => send('POST', path, body, deps.keys.adminToken);

  for (const a of sandboxActors) {
    await admin('/v1/admin/actors', { id: a.id, kind: a.kind, name: a.name, profession: a.profession, keys: [publicOf(a.privateJwk)] });
  }
  const sandboxNow = deps.clock();
  const ids = {} as Record<SampleName, string>;
  const issue = async (name: SampleName, prescriber: string, over: Json = {}) => {
    const rx = await sign(actor(prescriber), 'ordo-rx+jwt', {
      iss: prescriber, aud: issuer, jti: `${SAMPLE_JTI_PREFIX}${name}`, iat: nowSec(),
      prescriber: { name: actor(prescriber).name, profession: 'médecin', structure: { id: '750000001', name: 'Cabinet Sandbox' } },
      patient: { family: 'Sandbox', given: [name === 'paced' ? 'Paul' : 'Jeanne'], birthDate: '1948-03-12', sex: 'female' },
      items: [item()], renewals: 0, controlled: false, ...over,
    });
    const answer = await as(prescriber, 'POST', '/v1/prescriptions', { prescription: rx });
    ids[name] = answer.id as string;
    return answer as { id: string; code: string; payload: string };
  };
  const claim = async (pharmacy: string, code: string, id: string, ttl?: number) =>
    (await as(pharmacy, 'POST', '/v1/claims', { code, ...(ttl && { ttl }) }, id)) as { claim: { id: string } };
  const dispense = async (pharmacy: string, id: string, claimId: string, quantity: number) => {
    const record = await sign(actor(pharmacy), 'ordo-dispense+jwt', {
      iss: pharmacy, aud: issuer, jti: `sandbox-dispense-${b64url(randomBytes(9))}`, iat: nowSec(), prescription: id, claim: claimId,
      dispensedBy: { id: '10000000002', name: 'Paul Sandbox' }, identityCheck: 'vitale', lines: [{ item: 0, quantity, substitution: null, reason: null }],
    });
    await as(pharmacy, 'POST', `/v1/claims/${claimId}/dispense`, { dispensation: record }, id);
  };

  // Valid today only; then the clock moves past today (and the route's sweep records `expired`).
  const today = localDate(sandboxNow, deps.config.tz);
  await issue('expired', 'sandbox-prescriber-1', { validUntil: today });
  offsetMs = ((await admin('/v1/admin/clock', { to: new Date(endOfDay(today, deps.config.tz)).toISOString() })).offsetSeconds as number) * 1000;

  await issue('active', 'sandbox-prescriber-1');
  const claimed = await issue('claimed', 'sandbox-prescriber-2');
  await claim('sandbox-pharmacy-1', claimed.code, claimed.id, deps.config.claimMaxTtl);
  // One box a month, three months: the second box is due in 30 days (less ORDO_EARLY_DAYS).
  const paced = await issue('paced', 'sandbox-prescriber-1', { items: [item({ quantity: 1, renewals: 2, supplyDays: 30 })] });
  await dispense('sandbox-pharmacy-2', paced.id, (await claim('sandbox-pharmacy-2', paced.code, paced.id)).claim.id, 1);
  const completed = await issue('completed', 'sandbox-prescriber-2', { items: [item({ quantity: 1 })] });
  await dispense('sandbox-pharmacy-3', completed.id, (await claim('sandbox-pharmacy-3', completed.code, completed.id)).claim.id, 1);
  const cancelled = await issue('cancelled', 'sandbox-prescriber-1');
  await as('sandbox-prescriber-1', 'POST', `/v1/prescriptions/${cancelled.id}/cancel`, { reason: 'Erreur de posologie (sandbox sample)', salt: b64url(randomBytes(16)) }, cancelled.id);
  const rotated = await issue('rotated', 'sandbox-prescriber-2');
  await as('sandbox-prescriber-2', 'POST', `/v1/prescriptions/${rotated.id}/code`, { rotate: true }, rotated.id);
  return ids;
}
