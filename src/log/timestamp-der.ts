/**
 * What the RFC 3161 client (timestamp.ts) and verifier (timestamp-verify.ts) share: a whole-input
 * DER parse, the token's structure, the OIDs, and readable renderings of names and failures.
 * No node: module: WebCrypto through globalThis.crypto, so the same on Node and Workers.
 */
import { bytesEqual, toHex } from '../lib/bytes.js';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentTypeAttr: '1.2.840.113549.1.9.3',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extKeyUsage: '2.5.29.37',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

/** WebCrypto names of the digests a signing-certificate attribute may name (RFC 2634, RFC 5035). */
export const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  [OID.sha256]: 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/** pkijs's engine over this runtime's WebCrypto, passed explicitly rather than read from pkijs's global. */
export const engine = new pkijs.CryptoEngine({ name: 'webcrypto', crypto: globalThis.crypto });

export async function digest(algorithm: string, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest(algorithm, new Uint8Array(data)));
}

export { bytesEqual, toHex };


/**
 * One ASN.1 value that is the whole of `bytes` (nothing after it); throws naming `what` otherwise.
 * With `der`, also its DER form: asn1js reads BER leniently (a wrong length is a warning), and a
 * token is kept and compared byte for byte, so it must have one encoding only.
 */
export function parseDer(bytes: Uint8Array, what: string, der = true): asn1js.AsnType {
  const parsed = asn1js.fromBER(new Uint8Array(bytes));
  if (parsed.offset === -1) throw new Error(`${what} is not ASN.1 (${parsed.result.error || 'unreadable'})`);
  if (parsed.offset !== bytes.byteLength) throw new Error(`${what} has ${bytes.byteLength - parsed.offset} bytes after its end`);
  if (der && !bytesEqual(new Uint8Array(parsed.result.toBER()), bytes)) throw new Error(`${what} is not DER`);
  return parsed.result;
}

/** Builds a pkijs object from ASN.1, naming `what` when the structure does not fit. */
export function fromSchema<T>(make: (schema: asn1js.AsnType) => T, schema: asn1js.AsnType, what: string): T {
  try {
    return make(schema);
  } catch {
    throw new Error(`${what} is not well formed`);
  }
}

export type Token = { signedData: pkijs.SignedData; tstInfo: pkijs.TSTInfo };

/** A TimeStampToken: ContentInfo → SignedData → TSTInfo (version 1). Throws saying which layer is wrong. */
export function readToken(der: Uint8Array): Token {
  const contentInfo = fromSchema((schema) => new pkijs.ContentInfo({ schema }), parseDer(der, 'the token'), 'the token (ContentInfo)');
  if (contentInfo.contentType !== OID.signedData) throw new Error(`the token is not CMS SignedData (content type ${contentInfo.contentType})`);
  const signedData = fromSchema((schema) => new pkijs.SignedData({ schema }), contentInfo.content, 'the token (SignedData)');
  const { eContentType, eContent } = signedData.encapContentInfo;
  if (eContentType !== OID.tstInfo) throw new Error(`the token does not hold a TSTInfo (content type ${eContentType})`);
  if (!(eContent instanceof asn1js.OctetString)) throw new Error('the token holds no TSTInfo');
  const tstInfo = fromSchema((schema) => new pkijs.TSTInfo({ schema }), parseDer(new Uint8Array(eContent.getValue()), 'the TSTInfo'), 'the TSTInfo');
  if (tstInfo.version !== 1) throw new Error(`the TSTInfo has version ${tstInfo.version}, not 1`);
  return { signedData, tstInfo };
}

/** Whether the imprint is SHA-256 of the message whose hash is `hash`. */
export function imprintIs(imprint: pkijs.MessageImprint, hash: Uint8Array): boolean {
  return imprint.hashAlgorithm.algorithmId === OID.sha256 && bytesEqual(imprint.hashedMessage.valueBlock.valueHexView, hash);
}

export const integer = (value: asn1js.Integer): bigint => value.toBigInt();

/** PKIStatus names (RFC 3161 § 2.4.2). */
export const STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/** PKIFailureInfo bit names (RFC 3161 § 2.4.2). */
const FAILURES: Record<number, string> = {
  0: 'badAlg', 2: 'badRequest', 5: 'badDataFormat', 14: 'timeNotAvailable', 15: 'unacceptedPolicy',
  16: 'unacceptedExtension', 17: 'addInfoNotAvailable', 25: 'systemFailure',
};

/** The names of the bits set in a PKIFailureInfo (bit 0 is the high bit of the first byte). */
export function failureNames(bits: asn1js.BitString): string[] {
  const bytes = bits.valueBlock.valueHexView;
  const names: string[] = [];
  for (let i = 0; i < bytes.length * 8; i++) if ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) names.push(FAILURES[i] ?? `bit ${i}`);
  return names;
}

const ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '1.2.840.113549.1.9.1': 'emailAddress',
};

/** A distinguished name as `O=…, CN=…`, in the order the certificate gives. */
export function nameText(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => `${ATTRIBUTES[tv.type] ?? tv.type}=${typeof tv.value.valueBlock.value === 'string' ? tv.value.valueBlock.value : '?'}`)
    .join(', ');
}

/** A GeneralName as text: a directory name as nameText, an e-mail, DNS name or URI as itself. */
export function generalNameText(name: pkijs.GeneralName): string {
  if (name.type === 4 && name.value instanceof pkijs.RelativeDistinguishedNames) return nameText(name.value);
  if ((name.type === 1 || name.type === 2 || name.type === 6) && typeof name.value === 'string') return name.value;
  return `GeneralName [${name.type}]`;
}

const PEM = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;

/** Certificates from PEM text (one or more blocks) or DER bytes; throws naming the one that is unreadable. */
export function readCertificates(inputs: (string | Uint8Array)[]): pkijs.Certificate[] {
  const certs: pkijs.Certificate[] = [];
  inputs.forEach((input, i) => {
    const ders = typeof input === 'string'
      ? Array.from(input.matchAll(PEM), (m) => Uint8Array.from(atob(m[1]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0)))
      : [input];
    if (ders.length === 0) throw new Error(`trusted certificate ${i + 1} is neither PEM nor DER`);
    for (const der of ders) {
      const what = `trusted certificate ${i + 1}`;
      certs.push(fromSchema((schema) => new pkijs.Certificate({ schema }), parseDer(der, what), what));
    }
  });
  return certs;
}

/** The DER of a certificate as it was read (pkijs keeps the signed part's bytes). */
export const certificateDer = (cert: pkijs.Certificate): Uint8Array => new Uint8Array(cert.toSchema().toBER());
