/**
 * What a signed object must also be to be accepted at Ordo's door (request tokens, prescriptions,
 * dispensing records), so that it has exactly one string form and every JSON reader agrees on
 * its members: each part canonical base64url (no stray trailing bits), no member name twice in
 * the header or the payload, and an ES256 signature in low-S form. Stored history is verified
 * without these rules, so that what was accepted before them still verifies.
 */
import { base64url } from 'jose';
import { visit } from 'jsonc-parser';
import { isLowS } from './ecdsa.js';
import type { KeyAlg } from './keys.js';

/** The first member name found twice in one object of a JSON text (escapes decoded), or null. */
export function duplicateMember(json: string): string | null {
  const open: Set<string>[] = [];
  let found: string | null = null;
  visit(json, {
    onObjectBegin: () => void open.push(new Set()),
    onObjectEnd: () => void open.pop(),
    onObjectProperty: (name) => {
      const names = open.at(-1)!;
      if (names.has(name)) found ??= name;
      names.add(name);
    },
  });
  return found;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and re-encodes to the same text; a length jose cannot decode (4n + 1) is not base64url at all. */
function isCanonicalBase64url(part: string): boolean {
  try {
    return base64url.encode(base64url.decode(part)) === part;
  } catch {
    return false;
  }
}

/** Why a compact JWS (already parsed: three base64url parts of JSON objects) is not strict, or null. */
export function strictJwsProblem(token: string, alg: KeyAlg): string | null {
  const parts = token.split('.');
  if (parts.some((p) => !isCanonicalBase64url(p))) return 'not canonical base64url';
  for (const [i, part] of parts.slice(0, 2).entries()) {
    const name = duplicateMember(utf8.decode(base64url.decode(part)));
    if (name !== null) return `the ${i === 0 ? 'header' : 'payload'} has the member "${name}" twice`;
  }
  if (alg === 'ES256') {
    const sig = base64url.decode(parts[2]!);
    if (sig.length !== 64) return 'an ES256 signature is 64 bytes (r ‖ s)';
    if (!isLowS(sig)) return 'an ES256 signature must be in low-S form';
  }
  return null;
}
