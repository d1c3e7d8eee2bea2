/**
 * The one shape of a receipt (design: "Events, hash chain and receipts"): a compact JWS by Ordo,
 * header `{ alg, kid, typ: "ordo-receipt+jwt" }`, payload `{ evt, iss, sub, iat }`. Every member
 * but the signature follows from the event it receipts, the key that signed and the issuer, so a
 * receipt is stored as its signature and rebuilt here byte for byte (store/codec.ts); the same
 * function writes it when it is signed (crypto/ordo-keys.ts).
 */
import { decodeCanonicalBase64url, encodeBase64url } from '../lib/base64url.js';
import type { CurveAlg } from './suite/types.js';

export type ReceiptEvent = {
  index: number;
  type: string;
  at: string;
  claim: string | null;
  hash: string;
  prevHash: string;
  /** On `claimed` receipts only: the claim's expiry, Ordo's promise not to record `claim_expired` earlier. */
  claimedUntil?: string;
};

/** Who signed a receipt: Ordo's key and the issuer it signed as. */
export type ReceiptSigner = { alg: CurveAlg; kid: string; iss: string };

const utf8 = new TextEncoder();
const text = new TextDecoder();
const json = (value: unknown) => encodeBase64url(utf8.encode(JSON.stringify(value)));

/** The receipt's header and payload, members in the order jose's SignJWT wrote them (receipts read as they always have). */
export function receiptParts(signer: ReceiptSigner, sub: string, evt: ReceiptEvent, iat: number) {
  const { index, type, at, claim, hash, prevHash, claimedUntil } = evt;
  return {
    header: { alg: signer.alg, kid: signer.kid, typ: 'ordo-receipt+jwt' },
    payload: { evt: { index, type, at, claim, hash, prevHash, ...(claimedUntil !== undefined && { claimedUntil }) }, iss: signer.iss, sub, iat },
  };
}

/** Receipt headers as text, by `alg kid`: one per key, and every receipt read rebuilds one. */
const headers = new Map<string, string>();

/** The compact receipt with this signature. */
export function buildReceipt(signer: ReceiptSigner, sub: string, evt: ReceiptEvent, iat: number, signature: Uint8Array): string {
  const { header, payload } = receiptParts(signer, sub, evt, iat);
  const name = `${signer.alg} ${signer.kid}`;
  let head = headers.get(name);
  if (head === undefined) headers.set(name, (head = json(header)));
  return `${head}.${json(payload)}.${encodeBase64url(signature)}`;
}

/**
 * What a stored receipt says of its signer, its claim's expiry and its signature, provided that
 * rebuilding it from those and `evt` (without `claimedUntil`) gives exactly `receipt`; null
 * otherwise (a receipt of another shape is then stored as it is).
 */
export function splitReceipt(receipt: string, sub: string, evt: Omit<ReceiptEvent, 'claimedUntil'>, iat: number): { signer: ReceiptSigner; claimedUntil?: string; signature: Uint8Array } | null {
  const parts = receipt.split('.');
  if (parts.length !== 3) return null;
  try {
    const [h, p, signature] = parts.map(decodeCanonicalBase64url);
    if (!h || !p || !signature) return null;
    const header = JSON.parse(text.decode(h)) as { alg?: unknown; kid?: unknown };
    const payload = JSON.parse(text.decode(p)) as { iss?: unknown; evt?: { claimedUntil?: unknown } };
    if ((header.alg !== 'EdDSA' && header.alg !== 'ES256') || typeof header.kid !== 'string' || typeof payload.iss !== 'string') return null;
    const claimedUntil = payload.evt?.claimedUntil;
    if (claimedUntil !== undefined && typeof claimedUntil !== 'string') return null;
    const signer: ReceiptSigner = { alg: header.alg, kid: header.kid, iss: payload.iss };
    const full = { ...evt, ...(claimedUntil !== undefined && { claimedUntil }) };
    if (buildReceipt(signer, sub, full, iat, signature) !== receipt) return null;
    return { signer, ...(claimedUntil !== undefined && { claimedUntil }), signature };
  } catch {
    return null;
  }
}
