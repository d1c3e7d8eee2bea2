/**
 * A practitioner's certificate chain (JWS x5c) validated at a time against the configured CAs.
 *
 * Ordo's rule: every CA of the path is configured (it needs each issuer's CRLs and kinds), so the
 * path is built from the anchors alone; x5c entries after the leaf are only read, never trusted.
 * From the leaf: the configured CA whose subject is the leaf's issuer and whose key verifies its
 * signature, then that CA's issuer while it is configured, up to a self-signed CA.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import type * as pkijs from 'pkijs';
import { decodeBase64url } from '../../lib/base64url.js';
import { anchorCertificate } from './anchors.js';
import {
  attributeValues, caConstraints, decodeBase64, encodeBase64, hasKeyUsage, KEY_USAGE, nameText, OID, readCertificate, serialHex, signedBy, timeMs,
} from './der.js';
import { CertificateRefused, type Anchor, type CertAlg, type CertifiedKey, type CertifiedKind } from './types.js';

const MAX_ENTRIES = 4;
const MAX_DER = 16 * 1024;
const ACTOR_ID = /^[A-Za-z0-9._-]{1,64}$/;
const RSA = '1.2.840.113549.1.1.1';
const EC = '1.2.840.10045.2.1';
const P256 = '1.2.840.10045.3.1.7';
/** Critical extensions a leaf may carry: those checked here, and those that restrict nothing Ordo relies on. */
const UNDERSTOOD = new Set([
  OID.basicConstraints, OID.keyUsage,
  '2.5.29.37', // extKeyUsage
  '2.5.29.17', // subjectAltName
  '2.5.29.32', // certificatePolicies (no policy is required)
]);

export type ChainOptions = {
  /** The time the chain must be valid at (epoch ms). */
  at: number;
  kind: CertifiedKind;
  /** The actor id the certificate must be for, when the caller knows it. */
  actorId?: string;
};

const refuse = (reason: CertificateRefused['reason'], message: string): never => {
  throw new CertificateRefused(reason, message);
};

/** The x5c entries as certificates: 1–8 of them, each standard base64 of one whole DER certificate ≤ 16 KiB. */
function readX5c(x5c: unknown): { cert: pkijs.Certificate; der: Uint8Array }[] {
  if (!Array.isArray(x5c) || x5c.length < 1 || x5c.length > MAX_ENTRIES) refuse('malformed', `x5c must hold 1 to ${MAX_ENTRIES} certificates`);
  return (x5c as unknown[]).map((entry, i) => {
    const der = typeof entry === 'string' ? decodeBase64(entry) : null;
    if (!der) return refuse('malformed', `x5c[${i}] is not standard base64`);
    if (der.byteLength > MAX_DER) refuse('malformed', `x5c[${i}] is over ${MAX_DER} bytes`);
    const cert = readCertificate(der);
    return cert ? { cert, der } : refuse('malformed', `x5c[${i}] is not one whole DER certificate`);
  });
}

/** The configured CA that issued `cert`: same name as its issuer, and its key verifies the signature. */
async function issuerOf(cert: pkijs.Certificate, anchors: Anchor[]): Promise<Anchor | undefined> {
  for (const anchor of anchors) {
    const ca = anchorCertificate(anchor);
    if (ca.subject.isEqual(cert.issuer) && (await signedBy(cert, ca))) return anchor;
  }
  return undefined;
}

/** The configured CAs above the leaf, nearest first. */
async function pathOf(leaf: pkijs.Certificate, anchors: Anchor[]): Promise<Anchor[]> {
  const first = await issuerOf(leaf, anchors);
  if (!first) return refuse('untrusted', `the certificate's issuer (${nameText(leaf.issuer)}) is no configured CA, or its signature does not verify`);
  const path = [first];
  for (;;) {
    const top = anchorCertificate(path[path.length - 1]!);
    if (top.subject.isEqual(top.issuer)) return path;
    const next = await issuerOf(top, anchors);
    if (!next || path.includes(next)) return path;
    path.push(next);
  }
}

/** The bit length of a big-endian unsigned integer without leading zero bytes. */
const bitLength = (bytes: Uint8Array): number => (bytes.length === 0 ? 0 : (bytes.length - 1) * 8 + bytes[0]!.toString(2).length);

/** The leaf's key as a canonical JWK and the one algorithm the whole path allows it. */
async function keyOf(leaf: pkijs.Certificate, path: Anchor[]): Promise<{ jwk: JWK; alg: CertAlg }> {
  const spki = leaf.subjectPublicKeyInfo;
  const type = spki.algorithm.algorithmId;
  const curve = spki.algorithm.algorithmParams as { getValue?: () => string } | undefined;
  const allowed = (alg: CertAlg) => path.every((ca) => ca.algs.includes(alg));
  const der = new Uint8Array(spki.toSchema().toBER());
  let alg: CertAlg | undefined;
  let jwk: JWK;
  try {
    if (type === RSA) {
      alg = allowed('PS256') ? 'PS256' : allowed('RS256') ? 'RS256' : undefined;
      const key = await crypto.subtle.importKey('spki', der, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']);
      const { n, e } = await crypto.subtle.exportKey('jwk', key);
      const bits = bitLength(decodeBase64url(n!));
      if (e !== 'AQAB' || bits < 2048 || bits > 4096) refuse('algorithm', `the certificate's RSA key has ${bits} bits and exponent ${e}: 2048–4096 bits with e = 65537 are accepted`);
      jwk = { kty: 'RSA', n, e };
    } else if (type === EC && curve?.getValue?.() === P256) {
      alg = allowed('ES256') ? 'ES256' : undefined;
      const key = await crypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
      const { x, y } = await crypto.subtle.exportKey('jwk', key);
      jwk = { kty: 'EC', crv: 'P-256', x, y };
    } else {
      return refuse('algorithm', `the certificate's key (${type}) is neither RSA nor ECDSA P-256`);
    }
  } catch (e) {
    if (e instanceof CertificateRefused) throw e;
    return refuse('algorithm', "the certificate's public key cannot be read");
  }
  if (!alg) refuse('algorithm', `no algorithm for the certificate's ${jwk.kty} key is allowed by every CA of its path`);
  return { jwk, alg: alg! };
}

/** The actor id the issuing CA's attribute names, less its prefix. */
function actorIdOf(leaf: pkijs.Certificate, issuer: Anchor, expected: string | undefined): string {
  const values = attributeValues(leaf.subject, issuer.idAttribute);
  if (values.length !== 1 || values[0] == null) {
    refuse('identifier', `the certificate's subject must hold exactly one ${issuer.idAttribute} text value, it holds ${values.length}`);
  }
  const value = values[0]!;
  if (!value.startsWith(issuer.idPrefix)) refuse('identifier', `the certificate's identifier "${value}" does not start with "${issuer.idPrefix}"`);
  const actorId = value.slice(issuer.idPrefix.length);
  if (!ACTOR_ID.test(actorId)) refuse('identifier', `the certificate's identifier "${actorId}" is not 1–64 of A–Z a–z 0–9 . _ -`);
  if (expected !== undefined && expected !== actorId) refuse('identifier', `the certificate is for ${actorId}, the request for ${expected}`);
  return actorId;
}

/** givenName + surname, else organizationName, else commonName. */
function nameOf(subject: pkijs.RelativeDistinguishedNames): string {
  const first = (oid: string) => attributeValues(subject, oid).find((v): v is string => !!v?.trim())?.trim();
  const person = [first(OID.givenName), first(OID.surname)].filter(Boolean).join(' ');
  const name = person || first(OID.organizationName) || first(OID.commonName);
  return name ?? refuse('identifier', "the certificate's subject has no givenName, surname, organizationName or commonName");
}

/**
 * Validates the chain `x5c` (leaf first) at `opts.at` for an actor of `opts.kind`: see the module
 * comment for the path; the leaf must be an end entity with digitalSignature and no critical
 * extension Ordo does not know, every certificate of the path valid at `at`, each CA's
 * pathLenConstraint respected, each CA configured for the kind, the leaf key one the path allows,
 * and the issuing CA's id attribute an actor id (equal to opts.actorId when given).
 * Throws CertificateRefused with the first failure's reason.
 */
export async function validateChain(anchors: Anchor[], x5c: string[], opts: ChainOptions): Promise<CertifiedKey> {
  const [{ cert: leaf, der: leafDer }] = readX5c(x5c) as [{ cert: pkijs.Certificate; der: Uint8Array }];
  const leafB64 = encodeBase64(leafDer);
  if (anchors.some((a) => encodeBase64(a.der) === leafB64)) refuse('not_end_entity', 'the certificate is a configured CA, not a practitioner\'s');
  const path = await pathOf(leaf, anchors);
  const cas = path.map(anchorCertificate);

  if (caConstraints(leaf).ca) refuse('not_end_entity', 'the certificate is a CA certificate (basicConstraints cA), not an end entity');
  if (hasKeyUsage(leaf, KEY_USAGE.digitalSignature) !== true) refuse('key_usage', "the certificate's keyUsage does not allow digitalSignature");
  const unknown = leaf.extensions?.find((e) => e.critical && !UNDERSTOOD.has(e.extnID as never));
  if (unknown) refuse('malformed', `the certificate has a critical extension Ordo does not know (${unknown.extnID})`);

  const certs = [leaf, ...cas];
  for (const [i, cert] of certs.entries()) {
    const who = i === 0 ? 'the certificate' : `its CA ${path[i - 1]!.subject}`;
    if (opts.at < timeMs(cert.notBefore)) refuse('not_yet_valid', `${who} is not valid before ${cert.notBefore.value.toISOString()}`);
    if (opts.at > timeMs(cert.notAfter)) refuse('expired', `${who} expired at ${cert.notAfter.value.toISOString()}`);
  }
  for (const [i, ca] of cas.entries()) {
    const { pathLen } = caConstraints(ca);
    if (pathLen !== undefined && i > pathLen) refuse('untrusted', `the CA ${path[i]!.subject} allows ${pathLen} CAs below it, the path has ${i}`);
  }
  const wrongKind = path.find((ca) => !ca.kinds.includes(opts.kind));
  if (wrongKind) refuse('kind', `the CA ${wrongKind.subject} does not certify ${opts.kind}s (only ${wrongKind.kinds.join(', ')})`);

  const { jwk, alg } = await keyOf(leaf, path);
  const actorId = actorIdOf(leaf, path[0]!, opts.actorId);
  const name = nameOf(leaf.subject);
  const profession = attributeValues(leaf.subject, OID.title).find((v) => !!v?.trim())?.trim() ?? null;
  const from = Math.max(...certs.map((c) => timeMs(c.notBefore)));
  const until = Math.min(...certs.map((c) => timeMs(c.notAfter)));
  return {
    actorId,
    kind: opts.kind,
    name,
    profession,
    jwk,
    alg,
    kid: await calculateJwkThumbprint(jwk, 'sha256'),
    validFrom: new Date(from).toISOString(),
    validUntil: new Date(until).toISOString(),
    x5c: [leafB64, ...path.map((a) => encodeBase64(a.der))],
    cas: certs.slice(0, -1).map((_, i) => path[i]!.id),
    serials: certs.slice(0, -1).map((cert, i) => ({ ca: path[i]!.id, serial: serialHex(cert.serialNumber) })),
  };
}
