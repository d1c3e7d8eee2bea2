/**
 * Enrolment by certificate (docs/design.md § Certified practitioners): a practitioner or a
 * pharmacy certified by a configured CA adds itself to the directory, with no registrar. The
 * chain is validated now, the actor id, name and profession are read from it, the request token
 * is the proof of possession (signed by the certified key, its `jti` spent with the enrolment),
 * and the key records its chain. Nothing is written unless every check passes.
 */
import { CertificateRefused, validateChain, type CertifiedKey } from '../crypto/x509/index.js';
import { OrdoError } from '../domain/errors.js';
import { isoAt, type ActorKind } from '../domain/events.js';
import type { Deps } from '../deps.js';
import { CommitConflict, type ActorRow, type KeyRow, type TokenUse } from '../store/types.js';
import { requireFreshCrls, revokedAt } from './certified.js';
import { directoryView } from './directory.js';
import { refuseSandboxKeys } from './sandbox-keys.js';
import { recordToken } from './tokens.js';

/** The request token, its claims checked; its signature is checked here with the certificate's key. */
export type ProofToken = { iss: string; kid: string; alg: string; use: TokenUse; verify: (key: { kid: string; jwk: string; alg: KeyRow['alg'] }) => Promise<void> };

async function certified(deps: Deps, kind: ActorKind, x5c: string[], iss: string): Promise<CertifiedKey> {
  const { anchors } = deps.config.pki;
  if (anchors.length === 0) throw new OrdoError('not_found', 'This Ordo enrols no certified practitioners (ORDO_TRUST_ANCHORS is not set): ask the registrar.');
  try {
    return await validateChain(anchors, x5c, { at: deps.clock(), kind, actorId: iss });
  } catch (err) {
    if (err instanceof CertificateRefused) throw new OrdoError('certificate_refused', err.message, { reason: err.reason });
    throw err;
  }
}

export async function enrol(deps: Deps, input: { kind: ActorKind; x5c: string[] }, proof: ProofToken) {
  const cert = await certified(deps, input.kind, input.x5c, proof.iss);
  if (proof.kid !== cert.kid) throw new OrdoError('unauthenticated', `Request token: kid must be the RFC 7638 thumbprint of the certificate's key (${cert.kid}).`);
  // A CA that certified a published test key vouches for a key anyone holds: refused as the registrar's path refuses it.
  refuseSandboxKeys(deps.config.sandbox, [cert.kid]);
  const key: KeyRow = {
    actorId: cert.actorId,
    kid: cert.kid,
    jwk: JSON.stringify(cert.jwk),
    alg: cert.alg,
    addedAt: isoAt(deps.clock()),
    revokedAt: null,
    validFrom: cert.validFrom,
    validUntil: cert.validUntil,
    x5c: JSON.stringify(cert.x5c),
    cas: JSON.stringify(cert.cas),
  };
  // Proof of possession: the token is the certified key's, its alg the one pinned to that key.
  await proof.verify(key);
  await requireFreshCrls(deps, cert.cas);
  for (const { ca, serial } of cert.serials) {
    const at = await revokedAt(deps, ca, serial);
    if (at !== undefined) throw new OrdoError('certificate_refused', `This certificate (or a CA of its chain) was revoked on ${at}.`, { reason: 'revoked' });
  }

  const existing = await deps.store.getActor(cert.actorId);
  if (existing && existing.kind !== input.kind) throw new OrdoError('conflict', `${cert.actorId} is in the directory as a ${existing.kind}.`);
  if (existing && existing.status !== 'active') throw new OrdoError('forbidden', 'This actor is suspended.');
  const held = existing && (await deps.store.getActorKeys(cert.actorId)).find((k) => k.kid === key.kid);
  if (held) {
    // The same key enrolled again (a retry): the entry as it is, the new token spent.
    await recordToken(deps, proof.use);
    return { status: 200 as const, entry: directoryView(existing, await deps.store.getActorKeys(cert.actorId)) };
  }
  const actor: ActorRow | undefined = existing
    ? undefined
    : { id: cert.actorId, kind: input.kind, name: cert.name, profession: cert.profession, specialty: null, status: 'active', createdAt: key.addedAt };
  try {
    await deps.store.enrol({ ...(actor && { actor }), key, certificates: cert.serials, token: proof.use });
  } catch (err) {
    if (!(err instanceof CommitConflict)) throw err;
    if (err.on === 'token') throw new OrdoError('replayed_token', 'This request token was already used: sign a new one.');
    throw new OrdoError('conflict', 'This key is registered to another actor, or the actor was enrolled at the same moment: try again.');
  }
  return { status: 201 as const, entry: directoryView(existing ?? actor!, await deps.store.getActorKeys(cert.actorId)) };
}

