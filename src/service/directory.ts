/**
 * The directory, as the registrar keeps it: actors and their public keys (added, revoked),
 * suspension. A key's `kid` is its thumbprint and is unique across the directory.
 */
import { KeyError, parsePublicJwk, type PublicJwk } from '../crypto/keys.js';
import { OrdoError } from '../domain/errors.js';
import { isoAt, type ActorKind } from '../domain/events.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type ActorRow, type KeyRow } from '../store/types.js';
import { refuseSandboxKeys } from './sandbox-keys.js';

/** A key as the public directory shows it: its `alg` always; a certified key's chain, validity and CAs too. */
export function keyView(k: KeyRow) {
  const certified = !k.x5c ? {} : { x5c: JSON.parse(k.x5c) as string[], validFrom: k.validFrom!, validUntil: k.validUntil!, cas: JSON.parse(k.cas ?? '[]') as string[] };
  return { kid: k.kid, jwk: JSON.parse(k.jwk) as PublicJwk, alg: k.alg, status: k.revokedAt ? ('revoked' as const) : ('active' as const), addedAt: k.addedAt, revokedAt: k.revokedAt, ...certified };
}

export function directoryView(a: ActorRow, keys: KeyRow[]) {
  return { id: a.id, kind: a.kind, name: a.name, profession: a.profession, specialty: a.specialty, status: a.status, keys: keys.map(keyView) };
}

/** A key the registrar adds: no chain, no bound but revocation. */
const UNCERTIFIED = { validFrom: null, validUntil: null, x5c: null, cas: null };

/** A refused key is the registrar's mistake: 400, with the crypto layer's message. */
async function parseKey(input: unknown) {
  try {
    return await parsePublicJwk(input);
  } catch (err) {
    throw err instanceof KeyError ? new OrdoError('bad_request', err.message) : err;
  }
}

async function actorOrNotFound(deps: Deps, id: string): Promise<ActorRow> {
  const actor = await deps.store.getActor(id);
  if (!actor) throw new OrdoError('not_found', 'No such actor in the directory.');
  return actor;
}

export type NewActor = { id: string; kind: ActorKind; name: string; profession?: string; specialty?: string; keys: unknown[] };

export async function addActor(deps: Deps, input: NewActor) {
  const at = isoAt(deps.clock());
  const parsed = await Promise.all(input.keys.map(parseKey));
  if (new Set(parsed.map((k) => k.kid)).size !== parsed.length) throw new OrdoError('bad_request', 'The same key is listed twice.');
  refuseSandboxKeys(deps.config.sandbox, parsed.map((k) => k.kid));
  const actor: ActorRow = { id: input.id, kind: input.kind, name: input.name, profession: input.profession ?? null, specialty: input.specialty ?? null, status: 'active', createdAt: at };
  const keys = parsed.map((k): KeyRow => ({ actorId: input.id, kid: k.kid, jwk: JSON.stringify(k.jwk), alg: k.alg, addedAt: at, revokedAt: null, ...UNCERTIFIED }));
  try {
    await deps.store.insertActor(actor, keys);
  } catch (err) {
    if (err instanceof CommitConflict) throw new OrdoError('conflict', 'An actor with this id, or one of these keys, is already in the directory.');
    throw err;
  }
  return directoryView(actor, keys);
}

export async function addKey(deps: Deps, actorId: string, jwk: unknown) {
  await actorOrNotFound(deps, actorId);
  const k = await parseKey(jwk);
  refuseSandboxKeys(deps.config.sandbox, [k.kid]);
  try {
    await deps.store.insertKey({ actorId, kid: k.kid, jwk: JSON.stringify(k.jwk), alg: k.alg, addedAt: isoAt(deps.clock()), revokedAt: null, ...UNCERTIFIED });
  } catch (err) {
    if (err instanceof CommitConflict) throw new OrdoError('conflict', 'This key is already registered.');
    throw err;
  }
  return { kid: k.kid };
}

/** Idempotent: a second call keeps the first revocation time. */
export async function revokeKey(deps: Deps, actorId: string, kid: string) {
  await deps.store.revokeKey(actorId, kid, isoAt(deps.clock()));
  const key = (await deps.store.getActorKeys(actorId)).find((k) => k.kid === kid);
  if (!key) throw new OrdoError('not_found', 'No such key for this actor.');
  return keyView(key);
}

export async function setActorStatus(deps: Deps, id: string, status: ActorRow['status']) {
  const actor = await actorOrNotFound(deps, id);
  await deps.store.setActorStatus(id, status);
  return directoryView({ ...actor, status }, await deps.store.getActorKeys(id));
}

export async function directoryEntry(deps: Deps, id: string) {
  return directoryView(await actorOrNotFound(deps, id), await deps.store.getActorKeys(id));
}
