/**
 * Compact binary forms of the JOSE objects Ordo stores (design: "Storage"), each rebuilt byte
 * for byte on read. Every packer returns null when its input would not come back exactly (a
 * part that is not canonical base64url, a header of another shape): the caller then stores the
 * text as it is, so nothing is ever lost to packing.
 *
 * - a compact JWS → its three parts decoded (header and payload JSON, raw signature), each
 *   length-prefixed, then DEFLATE (raw, RFC 1951) with Ordo's preset dictionary;
 * - a compact JWE `dir` + `A256GCM` whose protected header is one Ordo writes → the token key id,
 *   the event index, IV, ciphertext and tag; the header, which is the AAD, is rebuilt from them
 *   and from the row (prescription id, kind of document).
 */
import { concatBytes } from '../lib/bytes.js';
import { inflateSync } from 'fflate';
import { decodeCanonicalBase64url as canonicalDecode, encodeBase64url as b64 } from '../lib/base64url.js';
import { PACK_DICTIONARY } from './pack-dictionary.js';
import type { CryptoSuite } from './suite/types.js';

/** What packing needs of the runtime's suite: its DEFLATE (inflating is the same everywhere: `inflateExactly`). */
export type Deflater = Pick<CryptoSuite, 'deflateRaw'>;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const dictionary = utf8.encode(PACK_DICTIONARY);

/** The most a packed record inflates to (a document is at most 60,000 characters). */
const MAX_INFLATED = 1 << 20;

/**
 * Inflates raw DEFLATE into exactly `length` bytes; throws on anything else. fflate (pure JS)
 * given its output buffer takes about 2 µs for a 200-byte token, where a zlib call takes about
 * 8 µs and fflate left to size its own output about 80 µs (measured on this project's machine).
 */
export function inflateExactly(data: Uint8Array, dict: Uint8Array, length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_INFLATED) throw new RangeError('a packed record inflates to at most 1 MiB');
  // One byte more than stated: fflate stops at the end of the buffer given, so a stream that
  // inflates to more would otherwise come back cut to the stated length.
  const out = inflateSync(data, { dictionary: dict, out: new Uint8Array(length + 1) });
  if (out.length !== length) throw new Error('a packed record does not inflate to its stated length');
  return out;
}

function writeVarint(out: number[], n: number) {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}

/** A reader over bytes; every read throws on bytes that end too early. */
class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  varint(): number {
    let n = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      n |= (b & 0x7f) << shift;
      if (b < 0x80) return n >>> 0;
    }
    throw new Error('packed: varint too long');
  }
  byte(): number {
    if (this.at >= this.bytes.length) throw new Error('packed: ends too early');
    return this.bytes[this.at++]!;
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.bytes.length) throw new Error('packed: ends too early');
    return this.bytes.subarray(this.at, (this.at += n));
  }
  rest(): Uint8Array {
    return this.take(this.bytes.length - this.at);
  }
}

const concat = (parts: Uint8Array[]) => concatBytes(...parts);

/** `varint |data| ‖ DEFLATE(data)` with the preset dictionary: the length lets the inflater size its output once. */
function deflated(z: Deflater, data: Uint8Array): Uint8Array {
  const head: number[] = [];
  writeVarint(head, data.length);
  return concat([new Uint8Array(head), z.deflateRaw(data, dictionary)]);
}

function inflated(packed: Uint8Array): Uint8Array {
  const r = new Reader(packed);
  const length = r.varint();
  return inflateExactly(r.rest(), dictionary, length);
}

/** A compact JWS as `varint |h| ‖ h ‖ varint |p| ‖ p ‖ signature`, deflated; null if it would not rebuild exactly. */
export function packJws(z: Deflater, jws: string): Uint8Array | null {
  const parts = jws.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts.map(canonicalDecode);
  if (!h || !p || !s) return null;
  const head: number[] = [];
  writeVarint(head, h.length);
  const mid: number[] = [];
  writeVarint(mid, p.length);
  return deflated(z, concat([new Uint8Array(head), h, new Uint8Array(mid), p, s]));
}

export function unpackJws(packed: Uint8Array): string {
  const r = new Reader(inflated(packed));
  const h = r.take(r.varint());
  const p = r.take(r.varint());
  return `${b64(h)}.${b64(p)}.${b64(r.rest())}`;
}

/** Format byte of a deflated text. */
const TEXT_V1 = 1;

/** A short text (an answer kept for retries) as `1 ‖ DEFLATE(text)` with the preset dictionary. */
export function packText(z: Deflater, value: string): Uint8Array {
  return concat([new Uint8Array([TEXT_V1]), deflated(z, utf8.encode(value))]);
}

export function unpackText(packed: Uint8Array): string {
  if (packed[0] !== TEXT_V1) throw new Error('packed: not a text');
  return strictUtf8.decode(inflated(packed.subarray(1)));
}

/** Where a sealed record belongs, as its row says: the rest of its protected header is in the packed form. */
export type JwePlace = { rx: string; doc: string };

/** The protected header Ordo writes on a sealed record, members in this order (crypto/seal.ts). */
export const sealHeader = (kid: string, rx: string, idx: number, doc: string, pack?: number) => ({
  alg: 'dir' as const,
  enc: 'A256GCM' as const,
  kid,
  'ordo:rx': rx,
  'ordo:idx': idx,
  'ordo:doc': doc,
  ...(pack !== undefined && { 'ordo:pack': pack }),
});

const headerText = (h: ReturnType<typeof sealHeader>) => b64(utf8.encode(JSON.stringify(h)));

/** Format byte of a packed sealed record. */
const SEALED_V1 = 1;

/**
 * A sealed record (compact JWE) as `1 ‖ |kid| ‖ kid ‖ varint idx ‖ pack ‖ IV ‖ ciphertext ‖ tag`
 * (`pack` 0 when the header has no `ordo:pack`), or null when its header is not the one
 * `sealHeader` writes for this place.
 */
export function packJwe(jwe: string, place: JwePlace): Uint8Array | null {
  const parts = jwe.split('.');
  if (parts.length !== 5 || parts[1] !== '') return null;
  const [h, , ivText, ctText, tagText] = parts as [string, string, string, string, string];
  const headerBytes = canonicalDecode(h);
  const iv = canonicalDecode(ivText);
  const ct = canonicalDecode(ctText);
  const tag = canonicalDecode(tagText);
  if (!headerBytes || !iv || !ct || !tag || iv.length !== 12 || tag.length !== 16) return null;
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(strictUtf8.decode(headerBytes)) as Record<string, unknown>;
  } catch {
    return null;
  }
  const { kid, 'ordo:idx': idx, 'ordo:pack': pack } = header;
  if (typeof kid !== 'string' || kid.length > 255 || !/^[\x21-\x7e]*$/.test(kid)) return null;
  if (!Number.isSafeInteger(idx) || (idx as number) < 0 || (idx as number) > 0xfffffff) return null;
  if (pack !== undefined && (!Number.isInteger(pack) || (pack as number) < 1 || (pack as number) > 255)) return null;
  if (headerText(sealHeader(kid, place.rx, idx as number, place.doc, pack as number | undefined)) !== h) return null;
  const head: number[] = [SEALED_V1, kid.length, ...utf8.encode(kid)];
  writeVarint(head, idx as number);
  head.push((pack as number | undefined) ?? 0);
  return concat([new Uint8Array(head), iv, ct, tag]);
}

export function unpackJwe(packed: Uint8Array, place: JwePlace): string {
  const r = new Reader(packed);
  if (r.byte() !== SEALED_V1) throw new Error('packed: not a sealed record');
  const kid = new TextDecoder().decode(r.take(r.byte()));
  const idx = r.varint();
  const pack = r.byte();
  const iv = r.take(12);
  const rest = r.rest();
  if (rest.length < 16) throw new Error('packed: ends too early');
  const h = headerText(sealHeader(kid, place.rx, idx, place.doc, pack === 0 ? undefined : pack));
  return `${h}..${b64(iv)}.${b64(rest.subarray(0, rest.length - 16))}.${b64(rest.subarray(rest.length - 16))}`;
}

/** A base64url SHA-256 (43 symbols) as its 32 bytes, or null if it is not exactly that. */
export function packHash(text: string): Uint8Array | null {
  if (text.length !== 43) return null;
  const bytes = canonicalDecode(text);
  return bytes && bytes.length === 32 ? bytes : null;
}

export const unpackHash = (bytes: Uint8Array): string => b64(bytes);
