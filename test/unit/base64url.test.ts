/** base64url: the fast canonical check agrees with decoding and re-encoding, on every input. */
import fc from 'fast-check';
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, decodeCanonicalBase64url, encodeBase64url, isCanonicalBase64url } from '../../src/lib/base64url.js';

/** The reference: canonical when jose decodes it and encodes the bytes back to the same text. */
function reference(text: string): boolean {
  try {
    return base64url.encode(base64url.decode(text)) === text;
  } catch {
    return false;
  }
}

describe('isCanonicalBase64url and decodeCanonicalBase64url', () => {
  it('agree with decode-and-re-encode on texts of any symbols, near-misses included', () => {
    const symbol = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split(''), '=', '+', '/', ' ', '.', 'é');
    fc.assert(fc.property(fc.string({ unit: symbol, maxLength: 12 }), (text) => {
      expect(isCanonicalBase64url(text)).toBe(reference(text));
      const bytes = decodeCanonicalBase64url(text);
      expect(bytes === null).toBe(!reference(text));
      if (bytes) expect(encodeBase64url(bytes)).toBe(text);
    }), { numRuns: 20_000 });
  });
  it('accept every encoding of bytes, and refuse it with any stray low bit set', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const text = encodeBase64url(bytes);
      expect(decodeCanonicalBase64url(text)).toEqual(bytes);
      expect(decodeBase64url(text)).toEqual(bytes);
      if (text.length % 4 !== 0) {
        const last = text.at(-1)!;
        const bumped = String.fromCharCode(last.charCodeAt(0) + 1);
        if (/[A-Za-z0-9]/.test(bumped)) expect(isCanonicalBase64url(text.slice(0, -1) + bumped)).toBe(false);
      }
    }));
  });
  it('decodeBase64url still reads what jose reads (padding, stray bits) and throws where jose throws', () => {
    expect(decodeBase64url('YQ==')).toEqual(new Uint8Array([0x61]));
    expect(decodeBase64url('YR')).toEqual(new Uint8Array([0x61]));
    expect(() => decodeBase64url('Y')).toThrow();
    expect(() => decodeBase64url('Y*Q')).toThrow();
  });
});
