/**
 * C2SP signed notes (c2sp.org/signed-note@v1.0.0) with Ed25519, signature type 0x01: a text
 * ending in a newline, a blank line, then one or more lines `— <key name> base64(key ID ‖ sig)`.
 * Verifier keys are the `<name>+<8 hex key ID>+<base64(type ‖ public key)>` strings of
 * golang.org/x/mod/sumdb/note (NewVerifier), which c2sp.org/tlog-cosignature calls vkeys.
 *
 * Every signature goes through the CryptoSuite, so the same code runs on Node, Workers and in
 * browsers. The parser is strict: what golang.org/x/mod/sumdb/note's Open refuses, it refuses.
 */
import { bytesEqual, concatBytes, toHex } from '../lib/bytes.js';
import { base64 } from '@scure/base';
import type { JWK } from 'jose';
import { decodeCanonicalBase64url, encodeBase64url } from '../lib/base64url.js';
import type { CryptoSuite, SuiteKey } from '../crypto/suite/types.js';

/** Signature type of plain Ed25519 note signatures (signed-note § Signature types). */
export const SIGNATURE_TYPE_ED25519 = 0x01;
/**
 * Limits the spec asks verifiers to set ("MUST accept at least up to 16 signatures"): 100
 * signatures as Go's Open, and 256 KiB, room for 16 post-quantum signatures of 5 kB and more.
 */
export const MAX_SIGNATURES = 100;
export const MAX_NOTE_BYTES = 256 * 1024;

/** A refusal: why an input was not accepted, as a stable code (and, where useful, which key). */
export type Refused<R extends string> = { readonly ok: false; readonly reason: R; readonly detail?: string };

/**
 * A key that signs notes, as `noteSigner` (type 0x01) or `cosignatureSigner` (0x04) build it:
 * `keyId` is SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], `publicKey` the 32-byte Ed25519 key.
 */
export type NoteSigner = { readonly name: string; readonly type: number; readonly keyId: Uint8Array; readonly key: SuiteKey; readonly publicKey: Uint8Array };

/**
 * A trusted key, as `noteVerifier` (or `cosignatureVerifier`) builds it from a vkey. `verify`
 * tells, never throwing, whether `signature` (the bytes after the key ID) is its over the text.
 */
export type NoteVerifier = NoteSigner & { verify(text: Uint8Array, signature: Uint8Array): Promise<boolean> };

/** Thrown for a key that cannot sign or verify notes: bad name, vkey, JWK or key type. */
export class NoteKeyError extends Error {
  override readonly name = 'NoteKeyError';
}

/** One signature line of a note. */
export type NoteSignature = { readonly name: string; readonly keyId: Uint8Array; readonly signature: Uint8Array; readonly line: string };
export type ParsedNote = { readonly ok: true; readonly text: string; readonly signatures: readonly NoteSignature[] };
export type NoteSyntaxFailure = 'too-large' | 'not-utf8' | 'control-character' | 'no-signature-block' | 'malformed-signature-line' | 'too-many-signatures';
/** `verified` lists each known key whose signatures all verified, once, in order; `unknown` counts distinct lines of unknown keys. */
export type OpenedNote = { readonly ok: true; readonly text: string; readonly verified: readonly VerifiedKey[]; readonly unknown: number };
export type VerifiedKey = { readonly name: string; readonly keyId: Uint8Array; readonly type: number };
export type OpenFailure = NoteSyntaxFailure | 'bad-signature' | 'unverified';

const encoder = new TextEncoder();
/** `ignoreBOM` keeps a leading U+FEFF in the text: it is part of what was signed. */
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

const SIGNATURE_PREFIX = '\u2014 '; // em dash, space
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/; // below U+0020 but newline
const LONE_SURROGATE = /\p{Cs}/u; // a string that is not well-formed UTF-16 has no UTF-8 form
const UNICODE_SPACE = /\p{White_Space}/u; // Go's unicode.IsSpace, which isValidName uses

const typeName = (type: number) => `0x${type.toString(16).padStart(2, '0')}`;

export { bytesEqual, concatBytes, toHex };

/** Standard base64 with padding (RFC 4648 § 4), as every C2SP format uses. */
export const encodeBase64 = (bytes: Uint8Array): string => base64.encode(bytes);

/** The bytes of `text` if it is canonical padded standard base64 (nothing else, no stray bits), else undefined. */
export function decodeBase64(text: string): Uint8Array | undefined {
  try {
    const bytes = base64.decode(text);
    return base64.encode(bytes) === text ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `name` can name a key: non-empty, no Unicode space, no `+`, no control character. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !name.includes('+') && !UNICODE_SPACE.test(name) && !CONTROL.test(name) && !LONE_SURROGATE.test(name);
}

/** Whether `text` may be (part of) a note: encodable as UTF-8, no control character but newline. */
export const isNoteSafe = (text: string): boolean => !CONTROL.test(text) && !LONE_SURROGATE.test(text);

/** The key ID of signed-note § Signatures: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]. */
export function noteKeyId(suite: CryptoSuite, name: string, type: number, publicKey: Uint8Array): Uint8Array {
  return suite.sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey)).slice(0, 4);
}

/** The vkey `<name>+<key ID, 8 lowercase hex>+<base64(type ‖ public key)>` (Go's `%08x`). */
export function formatVerifierKey(suite: CryptoSuite, name: string, type: number, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new NoteKeyError(`not a valid key name: ${JSON.stringify(name)}`);
  return `${name}+${toHex(noteKeyId(suite, name, type, publicKey))}+${encodeBase64(concatBytes(Uint8Array.of(type), publicKey))}`;
}

/** The vkey that verifies what `signer` signs. */
export const verifierKeyOf = (suite: CryptoSuite, signer: NoteSigner): string => formatVerifierKey(suite, signer.name, signer.type, signer.publicKey);

export type VerifierKeyParts = { readonly name: string; readonly type: number; readonly keyId: Uint8Array; readonly publicKey: Uint8Array };

/**
 * The parts of a vkey, or why not. Split at the first two `+` (a name has none; the base64 may),
 * exactly 8 hex digits, canonical base64 of at least the type byte, and the key ID recomputed
 * from name, type and key equal to the one written (as Go's NewVerifier checks).
 */
export function parseVerifierKey(suite: CryptoSuite, vkey: string): { readonly ok: true; readonly key: VerifierKeyParts } | Refused<'malformed' | 'key-id-mismatch'> {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  const name = vkey.slice(0, first);
  const hex = vkey.slice(first + 1, second);
  const raw = second === first + 9 ? decodeBase64(vkey.slice(second + 1)) : undefined;
  if (first < 0 || !isValidKeyName(name) || !/^[0-9a-fA-F]{8}$/.test(hex) || !raw || raw.length < 2) return { ok: false, reason: 'malformed' };
  const type = raw[0]!;
  const publicKey = raw.slice(1);
  const keyId = noteKeyId(suite, name, type, publicKey);
  if (toHex(keyId) !== hex.toLowerCase()) return { ok: false, reason: 'key-id-mismatch' };
  return { ok: true, key: { name, type, keyId, publicKey } };
}

/** Imports a 32-byte Ed25519 public key through the suite (which refuses a point not on the curve). */
export async function importEd25519(suite: CryptoSuite, publicKey: Uint8Array): Promise<SuiteKey> {
  if (publicKey.length !== 32) throw new NoteKeyError('an Ed25519 public key is 32 bytes');
  try {
    return await suite.importPublic({ kty: 'OKP', crv: 'Ed25519', x: encodeBase64url(publicKey) }, 'EdDSA');
  } catch (cause) {
    throw new NoteKeyError('not an Ed25519 public key', { cause });
  }
}

/**
 * A verifier of `type` from a vkey; throws NoteKeyError for a malformed vkey, a key ID that does
 * not match, another type, or a key that is not Ed25519. `message` maps the note text to the
 * bytes the key signed (the text itself for type 0x01).
 */
export async function verifierFromKey(
  suite: CryptoSuite, vkey: string, type: number, message: (text: Uint8Array, signature: Uint8Array) => { message: Uint8Array; signature: Uint8Array } | undefined,
): Promise<NoteVerifier> {
  const parsed = parseVerifierKey(suite, vkey);
  if (!parsed.ok) throw new NoteKeyError(`verifier key refused: ${parsed.reason}`);
  const { name, keyId, publicKey } = parsed.key;
  if (parsed.key.type !== type) throw new NoteKeyError(`verifier key of type ${typeName(parsed.key.type)}, not ${typeName(type)}`);
  const key = await importEd25519(suite, publicKey);
  return {
    name, type, keyId, key, publicKey,
    async verify(text, signature) {
      const signed = message(text, signature);
      return signed !== undefined && suite.verify(key, signed.message, signed.signature);
    },
  };
}

/** A verifier of plain Ed25519 note signatures (type 0x01) from its vkey; throws NoteKeyError. */
export const noteVerifier = (suite: CryptoSuite, vkey: string): Promise<NoteVerifier> =>
  verifierFromKey(suite, vkey, SIGNATURE_TYPE_ED25519, (message, signature) => ({ message, signature }));

/**
 * A signer of `type` named `name` from a private Ed25519 JWK (`{kty:'OKP',crv:'Ed25519',x,d}`).
 * One probe signature, checked with `x`, makes sure `x` is the public half of `d`: a JWK whose
 * members disagree would sign notes its own published vkey refuses.
 */
export async function signerFromJwk(suite: CryptoSuite, name: string, type: number, jwk: JWK): Promise<NoteSigner> {
  if (!isValidKeyName(name)) throw new NoteKeyError(`not a valid key name: ${JSON.stringify(name)}`);
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new NoteKeyError('not a private Ed25519 JWK');
  const publicKey = decodeCanonicalBase64url(jwk.x);
  if (publicKey?.length !== 32) throw new NoteKeyError('the JWK has no 32-byte x');
  // WebCrypto itself refuses a JWK whose x is not d's (a DOMException); node:crypto does not.
  const key = await suite.importPrivate(jwk, 'EdDSA').catch((cause: unknown) => {
    throw new NoteKeyError('not a private Ed25519 JWK', { cause });
  });
  const probe = utf8(`ordo note key ${name}\n`);
  if (!(await suite.verify(await importEd25519(suite, publicKey), probe, await suite.sign(key, probe)))) throw new NoteKeyError('the JWK x is not the public key of its d');
  return { name, type, keyId: noteKeyId(suite, name, type, publicKey), key, publicKey };
}

/** A signer of plain Ed25519 note signatures (type 0x01); throws NoteKeyError. */
export const noteSigner = (suite: CryptoSuite, name: string, privateJwk: JWK): Promise<NoteSigner> =>
  signerFromJwk(suite, name, SIGNATURE_TYPE_ED25519, privateJwk);

/** The line `— <name> base64(key ID ‖ signature)\n`. */
export const formatSignatureLine = (name: string, keyId: Uint8Array, signature: Uint8Array): string =>
  `${SIGNATURE_PREFIX}${name} ${encodeBase64(concatBytes(keyId, signature))}\n`;

/** One signature line without its newline, or undefined: the prefix, a valid name, one space, base64 of at least 5 bytes. */
export function parseSignatureLine(line: string): NoteSignature | undefined {
  if (!line.startsWith(SIGNATURE_PREFIX)) return undefined;
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = rest.slice(0, space);
  const raw = space < 0 ? undefined : decodeBase64(rest.slice(space + 1));
  if (!raw || raw.length < 5 || !isValidKeyName(name)) return undefined;
  return { name, keyId: raw.slice(0, 4), signature: raw.slice(4), line: `${line}\n` };
}

/** Throws RangeError unless `text` can be a note's text: newline-terminated, UTF-8, no other control character, within the size limit. */
export function checkNoteText(text: string): void {
  if (!text.endsWith('\n')) throw new RangeError('a note text ends in a newline');
  if (!isNoteSafe(text)) throw new RangeError('a note text has no control character but newline, and is well-formed Unicode');
  if (text.length > MAX_NOTE_BYTES) throw new RangeError(`a note is at most ${MAX_NOTE_BYTES} bytes`);
}

/** The signed note of `text` by each signer of type 0x01 (a cosigner signs through `cosign`); throws RangeError for a text no note can carry. */
export async function signNote(suite: CryptoSuite, text: string, signers: NoteSigner | readonly NoteSigner[]): Promise<string> {
  checkNoteText(text);
  const list: readonly NoteSigner[] = Array.isArray(signers) ? signers : [signers as NoteSigner];
  if (list.length === 0) throw new RangeError('a note has at least one signature');
  const bytes = utf8(text);
  let lines = '';
  for (const s of list) {
    if (s.type !== SIGNATURE_TYPE_ED25519) throw new NoteKeyError(`${s.name}: a key of type ${typeName(s.type)} does not sign plain notes`);
    lines += formatSignatureLine(s.name, s.keyId, await suite.sign(s.key, bytes));
  }
  const note = `${text}\n${lines}`;
  if (utf8(note).length > MAX_NOTE_BYTES) throw new RangeError(`a note is at most ${MAX_NOTE_BYTES} bytes`);
  return note;
}

/**
 * The text and signature lines of a note, checking syntax only (no key): valid UTF-8 with no
 * control character but newline; split at the last blank line; then non-empty lines each ending
 * in a newline, as `parseSignatureLine` reads them; at most MAX_SIGNATURES and MAX_NOTE_BYTES.
 */
export function parseNote(note: string | Uint8Array): ParsedNote | Refused<NoteSyntaxFailure> {
  if (note.length > MAX_NOTE_BYTES) return { ok: false, reason: 'too-large' }; // UTF-8 never has fewer bytes than UTF-16 units
  let text: string;
  if (typeof note === 'string') text = note;
  else {
    try {
      text = decoder.decode(note);
    } catch {
      return { ok: false, reason: 'not-utf8' };
    }
  }
  if (LONE_SURROGATE.test(text)) return { ok: false, reason: 'not-utf8' };
  if (CONTROL.test(text)) return { ok: false, reason: 'control-character' };
  if (typeof note === 'string' && utf8(note).length > MAX_NOTE_BYTES) return { ok: false, reason: 'too-large' };
  const split = text.lastIndexOf('\n\n');
  const block = text.slice(split + 2);
  if (split < 0 || block === '' || !block.endsWith('\n')) return { ok: false, reason: 'no-signature-block' };
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return { ok: false, reason: 'too-many-signatures' };
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const signature = parseSignatureLine(line);
    if (!signature) return { ok: false, reason: 'malformed-signature-line' };
    signatures.push(signature);
  }
  return { ok: true, text: text.slice(0, split + 1), signatures };
}

/**
 * Opens a signed note against trusted verifiers (signed-note § Signatures): signatures of unknown
 * keys (name and key ID not both matching) are ignored and counted; every signature of a known key
 * is verified (the spec's MUST; Go's Open checks only the first per key) and one that fails
 * refuses the whole note (its SHOULD); with no verified known key the note is refused (its MUST).
 * Throws TypeError when two verifiers share name and key ID: that is configuration, not input.
 */
export async function openNote(suite: CryptoSuite, note: string | Uint8Array, verifiers: readonly NoteVerifier[]): Promise<OpenedNote | Refused<OpenFailure>> {
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const id = `${v.name}+${toHex(v.keyId)}`;
    if (known.has(id)) throw new TypeError(`two verifiers for ${id}`);
    known.set(id, v);
  }
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const text = utf8(parsed.text);
  const verified = new Map<string, VerifiedKey>();
  const unknown = new Set<string>();
  for (const s of parsed.signatures) {
    const id = `${s.name}+${toHex(s.keyId)}`;
    const v = known.get(id);
    if (!v) unknown.add(s.line);
    else if (!(await v.verify(text, s.signature))) return { ok: false, reason: 'bad-signature', detail: id };
    else if (!verified.has(id)) verified.set(id, { name: v.name, keyId: v.keyId, type: v.type });
  }
  if (verified.size === 0) return { ok: false, reason: 'unverified' };
  return { ok: true, text: parsed.text, verified: [...verified.values()], unknown: unknown.size };
}
