/**
 * The chains of certified keys in an evidence bundle, checked against trust anchors: what
 * `ordo verify --anchors FILE` adds to verifyBundle. Apart from bundle.ts so that the pages,
 * which never reach the x509 code, do not bundle it.
 */
import { checkCertifiedAt, parseTrustAnchors, readCrls } from '../crypto/x509/index.js';
import { CrlRefused, type Anchor, type VerifiedCrl } from '../crypto/x509/types.js';
import type { CertificateCheck } from '../domain/verify-trace.js';
import { decodeBase64 } from '../log/note.js';
import type { TraceBundle } from './bundle.js';

/**
 * The check verifyBundle takes (`certificates`): each certified key's chain at the event's time,
 * against `anchors` (the text of ORDO_TRUST_ANCHORS, or parsed), with the bundle's CRLs. A CRL
 * those anchors do not vouch for, or not readable, fails every certified key with its reason.
 * Throws AnchorError when the anchors' text does not parse.
 */
export async function certificateCheck(anchors: string | Anchor[], b: Pick<TraceBundle, 'crls'>): Promise<CertificateCheck> {
  const trusted = typeof anchors === 'string' ? await parseTrustAnchors(anchors) : anchors;
  let crls: VerifiedCrl[];
  try {
    crls = await readCrls(trusted, (b.crls ?? []).map((text, i) => decodeBase64(text) ?? notBase64(i)));
  } catch (err) {
    if (!(err instanceof CrlRefused)) throw err;
    const why = `the bundle's revocation lists: ${err.message}`;
    return async () => why;
  }
  return (key, actor, atMs) => checkCertifiedAt(trusted, { x5c: key.x5c ?? [], jwk: key.jwk }, actor, atMs, crls);
}

const notBase64 = (i: number): never => {
  throw new CrlRefused('malformed', `CRL ${i + 1} of the bundle is not base64`);
};
