/**
 * C2SP tlog-cosignature, its Ed25519 type (c2sp.org/tlog-cosignature, § Format and § Ed25519
 * signed message): a note signature line by a witness over a checkpoint, whose key ID is
 * SHA-256(name ‖ "\n" ‖ 0x04 ‖ 32-byte public key)[:4] and whose signature bytes are a
 * `timestamped_signature`: an 8-byte big-endian POSIX timestamp, then the 64-byte Ed25519
 * signature of
 *
 *     cosignature/v1\n
 *     time <timestamp, decimal, no leading zeroes>\n
 *     <the checkpoint's whole note text, final newline included, no signature line>
 *
 * Witness keys are vkeys of type 0x04 ("Ed25519 public keys MAY be encoded as vkeys with
 * signature type 0x04"). The verifier also fits openNote, so a checkpoint carrying log and
 * witness signatures opens with all the keys at once (the way tlog-witness suggests).
 */
import type { JWK } from 'jose';
import type { CryptoSuite } from '../crypto/suite/types.js';
import { checkCount, parseCheckpoint } from './checkpoint.js';
import {
  NoteKeyError, bytesEqual, concatBytes, formatSignatureLine, parseSignatureLine,
  signerFromJwk, utf8, verifierFromKey, type NoteSigner, type NoteVerifier, type Refused,
} from './note.js';

/** Signature type of timestamped Ed25519 cosignatures (signed-note § Signature types). */
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04;
export const COSIGNATURE_V1_HEADER = 'cosignature/v1';
const TIMESTAMP_BYTES = 8;
const ED25519_SIGNATURE_BYTES = 64;
/** Key ID, timestamp, signature. */
const LINE_PAYLOAD_BYTES = 4 + TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES;

/** The bytes a cosigner signs for `checkpointText` at `timestamp` (seconds since the Epoch). */
export function cosignedMessage(checkpointText: string | Uint8Array, timestamp: number): Uint8Array {
  checkCount(timestamp, 'a cosignature timestamp');
  const body = typeof checkpointText === 'string' ? utf8(checkpointText) : checkpointText;
  return concatBytes(utf8(`${COSIGNATURE_V1_HEADER}\ntime ${timestamp}\n`), body);
}

/** `timestamp` as 8 big-endian bytes. */
function u64(timestamp: number): Uint8Array {
  const out = new Uint8Array(TIMESTAMP_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(timestamp / 2 ** 32));
  view.setUint32(4, timestamp % 2 ** 32);
  return out;
}

/**
 * The timestamp in the first 8 bytes, or undefined past 2^53 − 1: the spec bounds it by 2^63 − 1
 * and lets verifiers refuse timestamps in the future, which anything past 2^53 s is.
 */
function readTimestamp(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, TIMESTAMP_BYTES);
  const high = view.getUint32(0);
  return high > 0x1f_ffff ? undefined : high * 2 ** 32 + view.getUint32(4);
}

/** A witness's signer (type 0x04) from its private Ed25519 JWK; throws NoteKeyError. */
export const cosignatureSigner = (suite: CryptoSuite, name: string, privateJwk: JWK): Promise<NoteSigner> =>
  signerFromJwk(suite, name, SIGNATURE_TYPE_COSIGNATURE_V1, privateJwk);

/** A witness's verifier from its vkey of type 0x04; throws NoteKeyError (also for a vkey of type 0x01). */
export const cosignatureVerifier = (suite: CryptoSuite, vkey: string): Promise<NoteVerifier> =>
  verifierFromKey(suite, vkey, SIGNATURE_TYPE_COSIGNATURE_V1, (text, signature) => {
    if (signature.length !== TIMESTAMP_BYTES + ED25519_SIGNATURE_BYTES) return undefined;
    const timestamp = readTimestamp(signature);
    if (timestamp === undefined) return undefined;
    return { message: cosignedMessage(text, timestamp), signature: signature.subarray(TIMESTAMP_BYTES) };
  });

/**
 * The cosignature line (`— <name> base64(key ID ‖ timestamp ‖ signature)\n`) of `signer` over
 * the checkpoint text at `timestampSeconds`. Throws RangeError unless the text is a checkpoint
 * (body only, no signature line), NoteKeyError for a signer that is not of type 0x04.
 */
export async function cosign(suite: CryptoSuite, signer: NoteSigner, checkpointText: string, timestampSeconds: number): Promise<string> {
  if (signer.type !== SIGNATURE_TYPE_COSIGNATURE_V1) throw new NoteKeyError(`${signer.name} is not a cosignature key (type 0x04)`);
  const parsed = parseCheckpoint(checkpointText);
  if (!parsed.ok) throw new RangeError(`not a checkpoint: ${parsed.reason}`);
  const signature = await suite.sign(signer.key, cosignedMessage(checkpointText, timestampSeconds));
  return formatSignatureLine(signer.name, signer.keyId, concatBytes(u64(timestampSeconds), signature));
}

export type CosignatureLine = { readonly name: string; readonly keyId: Uint8Array; readonly timestamp: number; readonly signature: Uint8Array };
export type CosignatureFailure = 'malformed' | 'timestamp' | 'unknown-key' | 'not-a-checkpoint' | 'bad-signature';

/** The parts of one Ed25519 cosignature line (ending in its newline), or why not: no key is checked. */
export function parseCosignatureLine(line: string): { readonly ok: true; readonly cosignature: CosignatureLine } | Refused<'malformed' | 'timestamp'> {
  if (!line.endsWith('\n') || line.indexOf('\n') !== line.length - 1) return { ok: false, reason: 'malformed' };
  const parsed = parseSignatureLine(line.slice(0, -1));
  if (!parsed || 4 + parsed.signature.length !== LINE_PAYLOAD_BYTES) return { ok: false, reason: 'malformed' };
  const timestamp = readTimestamp(parsed.signature);
  if (timestamp === undefined) return { ok: false, reason: 'timestamp' };
  return { ok: true, cosignature: { name: parsed.name, keyId: parsed.keyId, timestamp, signature: parsed.signature.slice(TIMESTAMP_BYTES) } };
}

/**
 * Whether `line` is `witness`'s cosignature over `checkpointText`, and when it was made. A line
 * of another key (name or key ID) is 'unknown-key': a caller holding several witness keys picks
 * the one the line names. Throws TypeError for a verifier that is not of type 0x04.
 */
export async function verifyCosignature(
  suite: CryptoSuite, witness: NoteVerifier, checkpointText: string, line: string,
): Promise<{ readonly ok: true; readonly timestamp: number } | Refused<CosignatureFailure>> {
  if (witness.type !== SIGNATURE_TYPE_COSIGNATURE_V1) throw new TypeError(`${witness.name} is not a cosignature key (type 0x04)`);
  const parsed = parseCosignatureLine(line);
  if (!parsed.ok) return parsed;
  const { name, keyId, timestamp, signature } = parsed.cosignature;
  if (name !== witness.name || !bytesEqual(keyId, witness.keyId)) return { ok: false, reason: 'unknown-key' };
  if (!parseCheckpoint(checkpointText).ok) return { ok: false, reason: 'not-a-checkpoint' };
  const ok = await suite.verify(witness.key, cosignedMessage(checkpointText, timestamp), signature);
  return ok ? { ok: true, timestamp } : { ok: false, reason: 'bad-signature' };
}
