/**
 * Prescription ids and codes: encoding, the HMAC behind `v`, the check symbol, formatting and
 * parsing. Pure and runtime-neutral (WebCrypto only), so the same rules run on Node, Workers and
 * in browsers.
 *
 * A code is `id ‖ v` (10 + 15 = 25 bytes), written as 40 Crockford base32 symbols (200 bits, so
 * no padding and leading zeros kept), then a check symbol (the value mod 37).
 */
import { base32crockford } from '@scure/base';
import { hmac } from '../crypto/hash.js';
import { repairKeyboardLayout } from './keyboard.js';


export const ID_BYTES = 10;
export const V_BYTES = 15;
export const CODE_BYTES = ID_BYTES + V_BYTES;
export const PAYLOAD_PREFIX = 'ORDO1:';

const ID_SYMBOLS = 16; // 80 bits / 5
const CODE_SYMBOLS = 40; // 200 bits / 5
/** Inputs longer than this are refused before any work: a code with separators is 49 characters. */
const MAX_INPUT = 200;

const DATA_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Crockford's check alphabet: the 32 data symbols, then five that can only be a check. */
const CHECK_ALPHABET = DATA_ALPHABET + '*~$=U';

export type FormattedCode = {
  /** The 40 data symbols. */
  symbols: string;
  /** The check symbol, from CHECK_ALPHABET. */
  check: string;
  /** What people read and type: `XXXXX-` ×8 then the check symbol (49 characters). */
  grouped: string;
  /** What the DataMatrix carries: `ORDO1:` and the 40 symbols, no check. */
  payload: string;
};

export type ParsedCode = {
  ok: true;
  /** The 10 raw id bytes. */
  id: Uint8Array;
  /** The 15 bytes of `v`. */
  v: Uint8Array;
  /** The id as 16 canonical symbols (the first 16 of the code). */
  idText: string;
  /** All 25 bytes. */
  code: Uint8Array;
};

export type CodeParseFailure = { ok: false; reason: 'malformed' | 'bad_check' };
export type ParseCodeResult = ParsedCode | CodeParseFailure;

/** The id as 16 Crockford symbols. Throws RangeError unless `id` has ID_BYTES bytes. */
export function encodeId(id: Uint8Array): string {
  if (id.length !== ID_BYTES) throw new RangeError(`an id has ${ID_BYTES} bytes`);
  return base32crockford.encode(id);
}

/**
 * The 10 id bytes from 16 symbols, normalised as codes are (case, separators, O/I/L);
 * null for anything else.
 */
export function decodeId(text: string): Uint8Array | null {
  if (text.length > MAX_INPUT) return null;
  const symbols = normalise(text);
  if (symbols === null || symbols.length !== ID_SYMBOLS || !isData(symbols)) return null;
  return base32crockford.decode(symbols);
}

/**
 * `v` for code version `n`: the first V_BYTES bytes of HMAC-SHA256(key, id ‖ n as 4 bytes
 * big-endian), `key` as `importTokenKey` (crypto/ordo-keys.ts) gives it. `n` is an integer in
 * 1..2^32-1 (RangeError otherwise); `id` has ID_BYTES bytes.
 */
export async function computeV(key: Uint8Array, id: Uint8Array, n: number): Promise<Uint8Array> {
  if (id.length !== ID_BYTES) throw new RangeError(`an id has ${ID_BYTES} bytes`);
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError('n is an integer in 1..2^32-1');
  const message = new Uint8Array(ID_BYTES + 4);
  message.set(id);
  new DataView(message.buffer).setUint32(ID_BYTES, n, false);
  const mac = await hmac(key, message);
  return mac.slice(0, V_BYTES);
}

/**
 * The check symbol of a 25-byte code: its 200-bit big-endian value mod 37, in CHECK_ALPHABET.
 * 37 is prime and larger than 32, so any single changed symbol or swap of two adjacent
 * different symbols changes the remainder.
 */
export function checkSymbol(code: Uint8Array): string {
  if (code.length !== CODE_BYTES) throw new RangeError(`a code has ${CODE_BYTES} bytes`);
  let rest = 0;
  // Horner's rule on bytes: rest stays below 37 * 256, far from float precision limits.
  for (const byte of code) rest = (rest * 256 + byte) % 37;
  return CHECK_ALPHABET[rest]!;
}

/** Every written form of a 25-byte code (RangeError for another length). */
export function formatCode(code: Uint8Array): FormattedCode {
  const check = checkSymbol(code);
  const symbols = base32crockford.encode(code);
  const groups = symbols.match(/.{5}/g)!;
  return { symbols, check, grouped: `${groups.join('-')}-${check}`, payload: PAYLOAD_PREFIX + symbols };
}

/**
 * Reads a code as people and scanners deliver it: a payload (`ORDO1:` optional, any case, a
 * trailing Enter), a typed code with its check symbol, separators anywhere, O/I/L for 0/1, and a
 * payload typed under the other keyboard layout (see keyboard.ts).
 * 40 symbols are taken as scanned; 41 must end with the right check symbol ('bad_check'
 * otherwise, i.e. mistyped). Anything else is 'malformed'. Never throws.
 */
export function parseCode(input: string): ParseCodeResult {
  if (input.length > MAX_INPUT) return MALFORMED;
  let text = repairKeyboardLayout(input.trim().normalize('NFC'));
  if (text.slice(0, PAYLOAD_PREFIX.length).toUpperCase() === PAYLOAD_PREFIX) text = text.slice(PAYLOAD_PREFIX.length);
  const symbols = normalise(text);
  if (symbols === null || (symbols.length !== CODE_SYMBOLS && symbols.length !== CODE_SYMBOLS + 1)) return MALFORMED;
  const data = symbols.slice(0, CODE_SYMBOLS);
  const given = symbols.slice(CODE_SYMBOLS); // '' (scanned) or one symbol (typed)
  // The check-only symbols (* ~ $ = U) are refused among the data: only the 41st may be one.
  if (!isData(data) || (given !== '' && !CHECK_ALPHABET.includes(given))) return MALFORMED;
  const code = base32crockford.decode(data);
  if (given && given !== checkSymbol(code)) return { ok: false, reason: 'bad_check' };
  return { ok: true, id: code.slice(0, ID_BYTES), v: code.slice(ID_BYTES), idText: data.slice(0, ID_SYMBOLS), code };
}

const MALFORMED: CodeParseFailure = Object.freeze({ ok: false, reason: 'malformed' });

/**
 * Separators dropped (whitespace and hyphen-like dashes, as a word processor may turn `-` into
 * `‐` or `–`), ASCII upper case, O→0 and I/L→1. Null when anything is left outside the check
 * alphabet. ASCII is checked before upper-casing, since `ß` or `ı` would otherwise become
 * valid letters.
 */
function normalise(text: string): string | null {
  const bare = text.replace(/[\s\-\u2010-\u2015\u2212]/g, '');
  if (!/^[0-9A-Za-z*~$=]*$/.test(bare)) return null;
  return bare.toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
}

function isData(symbols: string): boolean {
  for (const ch of symbols) if (!DATA_ALPHABET.includes(ch)) return false;
  return true;
}
