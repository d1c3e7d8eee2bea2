/**
 * Signed documents (prescriptions, dispensing records): strict header, signature by a key the
 * caller holds in the directory, active now, with its own alg pinned.
 */
import { parseCompactJws, verifyCompact } from '../crypto/jws.js';
import { strictJwsProblem } from '../crypto/strict-jws.js';
import type { KeyAlg } from '../crypto/keys.js';
import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';
import { checkCertifiedKey } from './certified.js';

export type VerifiedDocument = { payload: Record<string, unknown>; kid: string; alg: KeyAlg };

export async function verifyDocument(deps: Deps, jws: string, typ: 'ordo-rx+jwt' | 'ordo-dispense+jwt', callerId: string): Promise<VerifiedDocument> {
  const parsed = parseCompactJws(jws, typ);
  if (typeof parsed === 'string') throw new OrdoError('invalid_document', `The signed document is refused: ${parsed}.`);
  const { header, payload } = parsed;
  if (payload.iss !== callerId) throw new OrdoError('invalid_document', 'The document must be issued (iss) by the caller itself.');
  if (payload.aud !== deps.config.issuer) throw new OrdoError('invalid_document', `The document's aud must be ${deps.config.issuer}.`);
  const found = await deps.store.getSigningKey(callerId, header.kid);
  if (!found) throw new OrdoError('bad_signature', 'The document is signed with a key that is not yours in the directory.');
  const { key } = found;
  if (key.revokedAt !== null && Date.parse(key.revokedAt) <= deps.clock()) throw new OrdoError('bad_signature', 'The document is signed with a revoked key.');
  await checkCertifiedKey(deps, key, (why) => new OrdoError('bad_signature', `The document cannot be signed with this key now: ${why}.`));
  if (key.alg !== header.alg) throw new OrdoError('bad_signature', `This key signs with ${key.alg}, not ${header.alg}.`);
  const notStrict = strictJwsProblem(jws, key.alg);
  if (notStrict) throw new OrdoError('invalid_document', `The signed document is refused: ${notStrict}.`);
  if (!(await verifyCompact(deps.crypto, jws, key))) {
    throw new OrdoError('bad_signature', 'The document signature does not verify.');
  }
  return { payload, kid: key.kid, alg: key.alg };
}
