/**
 * What a signed object must also be to be accepted at Ordo's door (request tokens, prescriptions,
 * dispensing records), so that it has exactly one string form and every JSON reader agrees on
 * its members: each part canonical base64url (no stray trailing bits), no member name twice in
 * the header or the payload, and an ES256 signature in low-S form. Stored history is verified
 * without these rules, so that what was accepted before them still verifies.
 */
import { decodeBase64url, isCanonicalBase64url } from '../lib/base64url.js';
import { visit } from 'jsonc-parser';
import { isLowS } from './ecdsa.js';
import type { KeyAlg } from './keys.js';

/** A JSON string token, and whether a colon follows it (then it is a member name). */
const STRING = /"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?/g;

/** Member names in a parsed JSON value, counting each object's distinct names. */
function distinctNames(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const v of value) n += distinctNames(v);
    return n;
  }
  for (const v of Object.values(value)) n += 1 + distinctNames(v);
  return n;
}

/**
 * The first member name found twice in one object of a JSON text (escapes decoded), or null.
 * `parsed` is the text's JSON.parse, when the caller has it. A text without any name twice has
 * as many member-name tokens as its parsed objects have names; counting both (a native regular
 * expression, a walk) costs a few µs on a 2 KB document, where a tokenizer in JavaScript took
 * 50–100 µs, and only a text with a name twice is tokenized to find which.
 */
export function duplicateMember(json: string, parsed: unknown = JSON.parse(json)): string | null {
  let tokens = 0;
  for (const m of json.matchAll(STRING)) if (m[1] !== undefined) tokens++;
  if (tokens === distinctNames(parsed)) return null;
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

/** Why a compact JWS (already parsed: three base64url parts of JSON objects) is not strict, or null. */
export function strictJwsProblem(token: string, alg: KeyAlg): string | null {
  const parts = token.split('.');
  if (parts.some((p) => !isCanonicalBase64url(p))) return 'not canonical base64url';
  for (const [i, part] of parts.slice(0, 2).entries()) {
    const name = duplicateMember(utf8.decode(decodeBase64url(part)));
    if (name !== null) return `the ${i === 0 ? 'header' : 'payload'} has the member "${name}" twice`;
  }
  if (alg === 'ES256') {
    const sig = decodeBase64url(parts[2]!);
    if (sig.length !== 64) return 'an ES256 signature is 64 bytes (r ‖ s)';
    if (!isLowS(sig)) return 'an ES256 signature must be in low-S form';
  }
  return null;
}
