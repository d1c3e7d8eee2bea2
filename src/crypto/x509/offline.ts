/**
 * For `ordo verify`: whether a certified key was valid at the time of an event, from the chain it
 * was enrolled with and the CRLs the bundle holds (old CRLs are read: stale is no failure here).
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import { validateChain } from './chain.js';
import { verifyCrl } from './crl.js';
import { CertificateRefused, CrlRefused, type Anchor, type CertifiedKind, type VerifiedCrl } from './types.js';

/**
 * Null when `key.x5c` is a valid chain at `at` (epoch ms) for `actor`, its leaf's key is `key.jwk`,
 * and no CRL of `crls` from an issuer of its path lists one of its certificates as revoked at or
 * before `at`; else a one-line message saying why not.
 */
export async function checkCertifiedAt(
  anchors: Anchor[],
  key: { x5c: string[]; jwk: JWK },
  actor: { id: string; kind: CertifiedKind },
  at: number,
  crls: VerifiedCrl[],
): Promise<string | null> {
  let certified;
  try {
    certified = await validateChain(anchors, key.x5c, { at, kind: actor.kind, actorId: actor.id });
  } catch (e) {
    if (e instanceof CertificateRefused) return `certificate refused (${e.reason}): ${e.message}`;
    throw e;
  }
  if ((await calculateJwkThumbprint(key.jwk, 'sha256')) !== certified.kid) return "the key is not the one its certificate certifies";
  for (const { ca, serial } of certified.serials) {
    for (const crl of crls) {
      if (crl.ca !== ca) continue;
      const entry = crl.revoked.find((r) => r.serial === serial && Date.parse(r.at) <= at);
      if (entry) return `certificate ${serial} was revoked at ${entry.at} (CRL of ${crl.thisUpdate}), before ${new Date(at).toISOString()}`;
    }
  }
  return null;
}

/** The CRLs (DER or PEM bytes), each checked against `anchors`, stale ones accepted. Throws CrlRefused naming the one that fails. */
export async function readCrls(anchors: Anchor[], ders: Uint8Array[]): Promise<VerifiedCrl[]> {
  const now = Date.now();
  const out: VerifiedCrl[] = [];
  for (const [i, der] of ders.entries()) {
    try {
      out.push(await verifyCrl(anchors, der, { now, allowStale: true }));
    } catch (e) {
      if (e instanceof CrlRefused) throw new CrlRefused(e.reason, `CRL ${i + 1}: ${e.message}`);
      throw e;
    }
  }
  return out;
}
