/**
 * The list of revoked certificates inside a CRL (RFC 5280 § 5.1), read straight from its DER.
 * asn1js and pkijs build some twenty objects per entry (about 120 µs each, and asn1js stops at
 * 10,000 nodes): a national CA's list of 100,000 serials was refused, and would have taken 12 s of
 * the one thread. Here the TLVs of the list are walked once; pkijs reads the rest of the CRL from a
 * copy without the list (`withoutList`), and the signature is checked over the original tbs bytes.
 * Strict DER: definite minimal lengths, nothing after a value's end, RFC 5280 times (seconds, Z).
 */
import { concatBytes, toHex } from '../../lib/bytes.js';
import { serialOfContent } from './der.js';
import { CrlRefused } from './types.js';

/** One DER value: its tag, where it starts (`head`), where its content starts and ends. */
type Tlv = { tag: number; head: number; start: number; end: number };

const TAG = { integer: 0x02, boolean: 0x01, octets: 0x04, oid: 0x06, utcTime: 0x17, generalizedTime: 0x18, sequence: 0x30 } as const;
/** Entry extensions Ordo may see critical: reasonCode (2.5.29.21), invalidityDate (2.5.29.24), as OID content bytes. */
const ENTRY_EXTENSIONS = new Set(['551d15', '551d18']);

function malformed(why: string): never {
  throw new CrlRefused('malformed', `the CRL is not one whole DER CertificateList (${why})`);
}

function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) malformed('a value is cut short');
  const tag = der[at]!;
  if ((tag & 0x1f) === 0x1f) malformed('a high tag number');
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0) malformed('an indefinite length');
    if (octets > 4 || start + octets > limit) malformed('a length past the end');
    if (der[start] === 0) malformed('a length that is not minimal');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i]!;
    if (length < 0x80) malformed('a length that is not minimal');
    start += octets;
  }
  const end = start + length;
  if (end > limit) malformed('a value past its container');
  return { tag, head: at, start, end };
}

function childrenOf(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = readTlv(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** The number written by `count` ASCII digits at `at`, or -1 when one is not a digit. */
function digits(der: Uint8Array, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = der[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A UTCTime (years 1950–2049) or GeneralizedTime as RFC 5280 § 4.1.2.5 writes them (seconds, Z), as ISO 8601. */
function timeOf(der: Uint8Array, t: Tlv): string {
  const utc = t.tag === TAG.utcTime;
  const yearDigits = utc ? 2 : 4;
  if ((!utc && t.tag !== TAG.generalizedTime) || t.end - t.start !== yearDigits + 11 || der[t.end - 1] !== 0x5a) {
    malformed('a revocation date that is not a UTCTime or GeneralizedTime in seconds and Z');
  }
  const y = digits(der, t.start, yearDigits);
  const [mo, d, h, mi, s] = [0, 2, 4, 6, 8].map((i) => digits(der, t.start + yearDigits + i, 2)) as [number, number, number, number, number];
  const year = utc ? (y < 50 ? 2000 + y : 1900 + y) : y;
  const days = new Date(Date.UTC(year, mo, 0)).getUTCDate();
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > days || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) malformed('a revocation date that is no date');
  return `${pad(year, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.000Z`;
}

/** Dotted text of an OID's content bytes (for a message). */
function oidText(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (b & 0x80) continue;
    if (arcs.length === 0) {
      const first = Math.min(2, Math.floor(value / 40));
      arcs.push(first, value - 40 * first);
    } else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}

/** Refuses an entry extension that is not an OID, an optional one-byte flag and an octet string, or is critical and not one Ordo reads. */
function checkEntryExtensions(der: Uint8Array, list: Tlv, serial: string) {
  if (list.tag !== TAG.sequence) malformed('an entry with something else than extensions after its date');
  for (const ext of childrenOf(der, list)) {
    const parts = ext.tag === TAG.sequence ? childrenOf(der, ext) : [];
    const [oid, flag] = parts;
    const critical = flag?.tag === TAG.boolean ? flag : undefined;
    if (oid?.tag !== TAG.oid || parts[critical ? 2 : 1]?.tag !== TAG.octets || parts.length !== (critical ? 3 : 2)) {
      malformed('an entry extension that is not an OID, a flag and an octet string');
    }
    if (critical && critical.end - critical.start !== 1) malformed('an extension flag that is not one byte');
    const id = der.subarray(oid!.start, oid!.end);
    if (critical && der[critical.start] !== 0 && !ENTRY_EXTENSIONS.has(toHex(id))) {
      throw new CrlRefused('malformed', `the CRL entry for ${serial} has a critical extension Ordo does not process (${oidText(id)})`);
    }
  }
}

export type CrlParts = {
  /** The CRL without its list of revoked certificates (the same DER otherwise), for pkijs to read. */
  withoutList: Uint8Array;
  /** The tbsCertList as signed. */
  tbs: Uint8Array;
  /** Each revoked certificate: serial (lowercase hex, no leading zeros) and revocation date (ISO 8601). */
  revoked: { serial: string; at: string }[];
};

const lengthBytes = (n: number): number[] => {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return [0x80 | out.length, ...out];
};

/** DER SEQUENCE of the given encoded values. */
function sequence(parts: Uint8Array[]): Uint8Array {
  const body = concatBytes(...parts);
  return concatBytes(Uint8Array.from([TAG.sequence, ...lengthBytes(body.byteLength)]), body);
}

/** Splits a whole DER CRL: its list of revoked certificates read, the rest left to pkijs. */
export function splitCrl(der: Uint8Array): CrlParts {
  const outer = readTlv(der, 0, der.byteLength);
  if (outer.tag !== TAG.sequence || outer.end !== der.byteLength) malformed(outer.end !== der.byteLength ? 'bytes after its end' : 'not a SEQUENCE');
  const [tbs, ...signature] = childrenOf(der, outer);
  if (!tbs || tbs.tag !== TAG.sequence || signature.length !== 2) malformed('not a tbsCertList, an algorithm and a signature');
  const fields = childrenOf(der, tbs!);
  // version?, signature, issuer, thisUpdate, nextUpdate?, revokedCertificates?, [0] crlExtensions?
  const thisUpdate = fields.findIndex((f) => f.tag === TAG.utcTime || f.tag === TAG.generalizedTime);
  let at = thisUpdate + 1;
  if (fields[at]?.tag === TAG.utcTime || fields[at]?.tag === TAG.generalizedTime) at++;
  const list = thisUpdate >= 0 && fields[at]?.tag === TAG.sequence ? fields[at]! : undefined;
  const slice = (t: Tlv) => der.subarray(t.head, t.end);
  const revoked = list ? childrenOf(der, list).map((entry) => entryOf(der, entry)) : [];
  return {
    withoutList: list ? sequence([sequence(fields.filter((f) => f !== list).map(slice)), ...signature.map(slice)]) : der,
    tbs: slice(tbs!),
    revoked,
  };
}

function entryOf(der: Uint8Array, entry: Tlv): { serial: string; at: string } {
  if (entry.tag !== TAG.sequence) malformed('a revoked certificate that is not a SEQUENCE');
  const [serial, date, extensions, ...more] = childrenOf(der, entry);
  if (serial?.tag !== TAG.integer || serial.end === serial.start || !date || more.length > 0) malformed('a revoked certificate that is not a serial, a date and extensions');
  const hex = serialOfContent(der.subarray(serial!.start, serial!.end));
  const at = timeOf(der, date!);
  if (extensions) checkEntryExtensions(der, extensions, hex);
  return { serial: hex, at };
}
