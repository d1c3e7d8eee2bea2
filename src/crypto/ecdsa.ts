/**
 * ES256 signatures in their one form: P1363 `r ‖ s`, 64 bytes, with `s` in the lower half of the
 * group order (low-S). `n − s` verifies as well as `s`; without this rule one signed object would
 * have two string forms. WebCrypto does not normalise, so Ordo's signers (the SDK, receipts) do.
 */
import { decodeBase64url, encodeBase64url } from '../lib/base64url.js';

/** The order of the P-256 group. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_N = N >> 1n;

const toBigInt = (bytes: Uint8Array) => bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
function toBytes32(v: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** Whether a 64-byte ES256 signature has its `s` in the lower half. */
export const isLowS = (sig: Uint8Array) => sig.length === 64 && toBigInt(sig.subarray(32)) <= HALF_N;

/** A compact JWS signed with ES256, its signature put in low-S form (unchanged when it is already). */
export function toLowS(jws: string): string {
  const dot = jws.lastIndexOf('.');
  const sig = decodeBase64url(jws.slice(dot + 1));
  if (sig.length !== 64 || isLowS(sig)) return jws;
  const low = new Uint8Array(64);
  low.set(sig.subarray(0, 32));
  low.set(toBytes32(N - toBigInt(sig.subarray(32))), 32);
  return `${jws.slice(0, dot + 1)}${encodeBase64url(low)}`;
}
