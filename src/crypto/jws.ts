/**
 * Strict reading of compact JWS produced by practitioners: the protected header may hold only
 * `alg`, `kid` and `typ` (so `jwk`, `jku`, `x5u`, `x5c`, `crit`, `b64`, `zip` and anything else
 * are refused before any key is touched), `alg` is one of those Ordo accepts, and the payload
 * is a JSON object of bounded depth. The signature itself is checked by `verifyCompact`.
 */
import { decodeBase64url } from '../lib/base64url.js';
import { jsonDepth } from '../lib/json.js';
import { publicKeys, type KeyAlg } from './keys.js';
import { verifyJws } from './suite/compact.js';
import type { CryptoSuite } from './suite/types.js';

export type ParsedJws = { header: { alg: KeyAlg; kid: string; typ: string }; payload: Record<string, unknown> };

const PART = /^[A-Za-z0-9_-]*$/;
const ALLOWED_HEADER = new Set(['alg', 'kid', 'typ']);
/** Any of these, pinned afterwards to the signing key's own (PS256 and RS256 only a certificate binds). */
const ALGS = new Set<string>(['EdDSA', 'ES256', 'PS256', 'RS256']);

function decodeJson(part: string): unknown {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(decodeBase64url(part));
  if (jsonDepth(text) > 16) throw new Error('too deep');
  return JSON.parse(text);
}

/** Parses without verifying; returns a reason string when the token is not acceptable. */
export function parseCompactJws(token: string, typ: string, maxLength = 65_536): ParsedJws | string {
  if (token.length > maxLength) return 'token too long';
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => PART.test(p)) || !parts[0] || !parts[1] || !parts[2]) return 'not a compact JWS';
  let header: unknown;
  let payload: unknown;
  try {
    header = decodeJson(parts[0]);
    payload = decodeJson(parts[1]);
  } catch {
    return 'header or payload is not base64url JSON';
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'header is not an object';
  const h = header as Record<string, unknown>;
  const extra = Object.keys(h).filter((k) => !ALLOWED_HEADER.has(k));
  if (extra.length) return `header member not allowed: ${extra.join(', ')}`;
  if (h.typ !== typ) return `typ must be ${typ}`;
  if (typeof h.alg !== 'string' || !ALGS.has(h.alg)) return 'alg must be EdDSA, ES256, PS256 or RS256';
  if (typeof h.kid !== 'string' || h.kid.length === 0 || h.kid.length > 128) return 'kid missing';
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'payload is not a JSON object';
  return { header: { alg: h.alg as KeyAlg, kid: h.kid, typ: h.typ }, payload: payload as Record<string, unknown> };
}

/** Checks the signature with one directory key, the algorithm pinned to the key's own. */
export async function verifyCompact(suite: CryptoSuite, token: string, key: { kid: string; jwk: string; alg: KeyAlg }): Promise<boolean> {
  return verifyJws(suite, await publicKeys.get(suite, key.kid, key.jwk, key.alg), token);
}
