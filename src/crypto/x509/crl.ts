/**
 * Certificate revocation lists (RFC 5280 § 5) from the configured CAs: a complete CRL (no delta,
 * no critical extension Ordo does not process), signed by the configured CA that it names as its
 * issuer, whose keyUsage (when present) allows cRLSign.
 */
import * as pkijs from 'pkijs';
import { anchorCertificate } from './anchors.js';
import { splitCrl } from './crl-list.js';
import { hasKeyUsage, KEY_USAGE, nameText, pemBody, readCrlDer, signedBy, timeMs } from './der.js';
import { CrlRefused, type Anchor, type VerifiedCrl } from './types.js';

const MAX_BYTES = 16 * 1024 * 1024;
/** How far ahead of `now` a thisUpdate may be (clocks differ). */
const SKEW_MS = 60_000;
const DELTA_CRL_INDICATOR = '2.5.29.27';
/** CRL extensions read or harmless when critical: authorityKeyIdentifier, cRLNumber, issuerAltName. */
const CRL_EXTENSIONS = new Set(['2.5.29.35', '2.5.29.20', '2.5.29.18']);

export type CrlOptions = {
  /** The time thisUpdate and nextUpdate are checked against (epoch ms). */
  now: number;
  /** Accept a CRL past its nextUpdate (`ordo verify` reads old ones). */
  allowStale?: boolean;
};

const refuse = (reason: CrlRefused['reason'], message: string): never => {
  throw new CrlRefused(reason, message);
};

const PEM_CRL = /^\s*-----BEGIN X509 CRL-----\r?\n([\s\S]*?)\r?\n-----END X509 CRL-----\s*$/;

/** The DER of the input: itself, or the body of its one PEM `X509 CRL` block. */
function derOf(input: Uint8Array): Uint8Array {
  if (input.byteLength > MAX_BYTES) refuse('malformed', `the CRL is over ${MAX_BYTES} bytes`);
  if (input[0] === 0x30) return input;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(input);
  const match = PEM_CRL.exec(text);
  const der = match ? pemBody(match[1]!.split(/\r?\n/)) : null;
  return der ?? refuse('malformed', 'the CRL is neither DER nor one PEM X509 CRL block');
}

function checkExtensions(crl: pkijs.CertificateRevocationList): void {
  for (const ext of crl.crlExtensions?.extensions ?? []) {
    if (ext.extnID === DELTA_CRL_INDICATOR) refuse('malformed', 'the CRL is a delta CRL; only complete CRLs are read');
    if (ext.critical && !CRL_EXTENSIONS.has(ext.extnID)) refuse('malformed', `the CRL has a critical extension Ordo does not process (${ext.extnID})`);
  }
}

/** The configured CA that signed the CRL (named as its issuer, key verifying, cRLSign allowed). */
async function signerOf(crl: pkijs.CertificateRevocationList, tbs: Uint8Array, anchors: Anchor[]): Promise<Anchor> {
  const named = anchors.filter((a) => anchorCertificate(a).subject.isEqual(crl.issuer));
  if (named.length === 0) refuse('untrusted', `the CRL's issuer (${nameText(crl.issuer)}) is no configured CA`);
  const allowed = named.filter((a) => hasKeyUsage(anchorCertificate(a), KEY_USAGE.cRLSign) !== false);
  if (allowed.length === 0) refuse('untrusted', `the CA ${named[0]!.subject} may not sign CRLs (its keyUsage lacks cRLSign)`);
  const signed = { tbsView: tbs, signatureValue: crl.signatureValue, signatureAlgorithm: crl.signatureAlgorithm };
  for (const anchor of allowed) if (await signedBy(signed, anchorCertificate(anchor))) return anchor;
  return refuse('bad_signature', `the CRL's signature does not verify under the key of ${allowed[0]!.subject}`);
}

/**
 * Reads and checks a CRL (DER, or PEM text bytes) against the configured CAs at `opts.now`:
 * at most 16 MiB, one whole complete CRL, signed by a configured CA, thisUpdate no later than
 * now + 60 s, nextUpdate (when present) not past unless `allowStale`. Throws CrlRefused.
 */
export async function verifyCrl(anchors: Anchor[], input: Uint8Array, opts: CrlOptions): Promise<VerifiedCrl> {
  const der = derOf(input);
  const parts = splitCrl(der);
  const crl = readCrlDer(parts.withoutList) ?? refuse('malformed', 'the CRL is not one whole DER CertificateList');
  if (crl.signature.algorithmId !== crl.signatureAlgorithm.algorithmId) refuse('malformed', 'the CRL names two signature algorithms');
  checkExtensions(crl);
  const ca = await signerOf(crl, parts.tbs, anchors);
  const thisUpdate = timeMs(crl.thisUpdate);
  if (thisUpdate > opts.now + SKEW_MS) refuse('not_yet_valid', `the CRL is issued at ${crl.thisUpdate.value.toISOString()}, in the future`);
  const nextUpdate = crl.nextUpdate ? timeMs(crl.nextUpdate) : null;
  if (nextUpdate !== null && nextUpdate < opts.now && !opts.allowStale) {
    refuse('stale', `the CRL was to be replaced by ${crl.nextUpdate!.value.toISOString()}`);
  }
  return {
    ca: ca.id,
    thisUpdate: new Date(thisUpdate).toISOString(),
    nextUpdate: nextUpdate === null ? null : new Date(nextUpdate).toISOString(),
    revoked: parts.revoked,
    der: der === input ? new Uint8Array(der) : der,
  };
}
