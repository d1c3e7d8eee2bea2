/**
 * What anchors, chains and CRLs share: pkijs over this runtime's WebCrypto, a whole-input DER
 * parse, strict base64 and PEM, the reading of names, serials and the extensions Ordo checks.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toHex } from '../../lib/bytes.js';

/** pkijs's engine over this runtime's WebCrypto, passed explicitly rather than read from pkijs's global. */
export const engine = new pkijs.CryptoEngine({ name: 'webcrypto', crypto: globalThis.crypto });

export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  serialNumber: '2.5.4.5',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  givenName: '2.5.4.42',
  surname: '2.5.4.4',
  title: '2.5.4.12',
} as const;

/** One ASN.1 value that is the whole of `bytes`, or null (unreadable, or bytes after its end). */
function parseWhole(bytes: Uint8Array): asn1js.AsnType | null {
  const parsed = asn1js.fromBER(bytes);
  return parsed.offset === -1 || parsed.offset !== bytes.byteLength ? null : parsed.result;
}

/** A `Type` (a pkijs structure) that is the whole of `der`, or null. */
function readWhole<T>(der: Uint8Array, Type: new (o: { schema: unknown }) => T): T | null {
  const schema = parseWhole(der);
  if (!schema) return null;
  try {
    return new Type({ schema });
  } catch {
    return null;
  }
}

/** A certificate that is the whole of `der`, or null. */
export const readCertificate = (der: Uint8Array): pkijs.Certificate | null => readWhole(der, pkijs.Certificate);

/** A CRL that is the whole of `der`, or null. */
export const readCrlDer = (der: Uint8Array): pkijs.CertificateRevocationList | null => readWhole(der, pkijs.CertificateRevocationList);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of standard base64 (with its padding, nothing else), or null. */
export function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text)) return null;
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export const encodeBase64 = (bytes: Uint8Array): string => {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};

/** The DER inside one PEM body (the lines between BEGIN and END), or null when it is not base64. */
export const pemBody = (lines: string[]): Uint8Array | null => decodeBase64(lines.map((l) => l.trim()).join(''));

/** Lowercase hex of an INTEGER's content octets, without leading zeros ("0" for zero): a serial as Ordo keeps it. */
export const serialOfContent = (content: Uint8Array): string => toHex(content).replace(/^0+(?=.)/, '');

export const serialHex = (serial: asn1js.Integer): string => serialOfContent(serial.valueBlock.valueHexView);

const NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.4': 'SN',
  '2.5.4.42': 'GN', '2.5.4.12': 'T', '2.5.4.5': 'serialNumber', '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID', '1.2.840.113549.1.9.1': 'emailAddress',
};

/** The text of an attribute value, or null when it is not a string type. */
function valueText(tv: pkijs.AttributeTypeAndValue): string | null {
  const value = (tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
  return typeof value === 'string' ? value : null;
}

/** A distinguished name as `CN=…, O=…`, in the order the certificate gives. */
export function nameText(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues.map((tv) => `${NAMES[tv.type] ?? tv.type}=${valueText(tv) ?? '?'}`).join(', ');
}

/** The string values of attribute `oid` in `name` (a non-string value counts, as null). */
export const attributeValues = (name: pkijs.RelativeDistinguishedNames, oid: string): (string | null)[] =>
  name.typesAndValues.filter((tv) => tv.type === oid).map(valueText);

export const extension = (cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined =>
  cert.extensions?.find((e) => e.extnID === oid);

/** basicConstraints: whether it says cA, and its pathLenConstraint (undefined when none). */
export function caConstraints(cert: pkijs.Certificate): { ca: boolean; pathLen: number | undefined } {
  const value = extension(cert, OID.basicConstraints)?.parsedValue;
  if (!(value instanceof pkijs.BasicConstraints)) return { ca: false, pathLen: undefined };
  const pathLen = value.pathLenConstraint;
  return { ca: value.cA === true, pathLen: pathLen instanceof asn1js.Integer ? Number(pathLen.toBigInt()) : pathLen };
}

export const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

/** Whether keyUsage has bit `bit` set; null when the certificate has no keyUsage extension. */
export function hasKeyUsage(cert: pkijs.Certificate, bit: number): boolean | null {
  const ext = extension(cert, OID.keyUsage);
  if (!ext) return null;
  const value = ext.parsedValue;
  if (!(value instanceof asn1js.BitString)) return false;
  const bytes = value.valueBlock.valueHexView;
  return (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) === 1;
}

/** Whether `issuer`'s key verifies the signature of `signed` (a certificate or CRL). */
export async function signedBy(
  signed: { tbsView: Uint8Array; signatureValue: asn1js.BitString; signatureAlgorithm: pkijs.AlgorithmIdentifier },
  issuer: pkijs.Certificate,
): Promise<boolean> {
  try {
    return await engine.verifyWithPublicKey(new Uint8Array(signed.tbsView), signed.signatureValue, issuer.subjectPublicKeyInfo, signed.signatureAlgorithm);
  } catch {
    return false;
  }
}

/** A Time as epoch ms. */
export const timeMs = (time: pkijs.Time): number => time.value.getTime();
