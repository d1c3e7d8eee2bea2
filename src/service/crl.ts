/**
 * The registrar loads a CA's certificate revocation list (docs/design.md § Certified
 * practitioners, Revocation): checked against the configured CAs (issuer, signature, dates),
 * kept as the CA's newest, and every key certified by a listed certificate is revoked at the
 * list's revocation date, so what it signed before stays verifiable and nothing after is accepted.
 */
import { CrlRefused, verifyCrl } from '../crypto/x509/index.js';
import { OrdoError } from '../domain/errors.js';
import { isoAt } from '../domain/events.js';
import type { Deps } from '../deps.js';
import { caName, forgetCrlDates } from './certified.js';

export async function loadCrl(deps: Deps, body: Uint8Array) {
  const { anchors } = deps.config.pki;
  if (anchors.length === 0) throw new OrdoError('not_found', 'No CA is configured (ORDO_TRUST_ANCHORS): there is no revocation list to load.');
  if (body.length === 0) throw new OrdoError('bad_request', 'Send the CRL as the body: DER (application/pkix-crl) or PEM.');
  let crl;
  try {
    crl = await verifyCrl(anchors, body, { now: deps.clock() });
  } catch (err) {
    if (err instanceof CrlRefused) throw new OrdoError('crl_refused', err.message, { reason: err.reason });
    throw err;
  }
  const { kept, revokedKeys } = await deps.store.loadCrl(
    { ca: crl.ca, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, der: crl.der, loadedAt: isoAt(deps.clock()) },
    crl.revoked,
  );
  forgetCrlDates(deps.store);
  return { ca: crl.ca, issuer: caName(anchors, crl.ca), thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate, kept, revokedKeys };
}
