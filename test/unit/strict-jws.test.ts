/** One string form for a signed object: canonical base64url, no member twice, ES256 low-S. */
import fc from 'fast-check';
import { base64url, CompactSign, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { isLowS, toLowS } from '../../src/crypto/ecdsa.js';
import { duplicateMember, strictJwsProblem } from '../../src/crypto/strict-jws.js';
import { verifyJws } from '../../src/crypto/suite/compact.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { webSuite } from '../../src/crypto/suite/web.js';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const enc = new TextEncoder();
const header = { alg: 'ES256', kid: 'k', typ: 'ordo-req+jwt' } as const;

/** The same signature with s replaced by n − s: as valid, in the other half. */
function flipS(jws: string): string {
  const dot = jws.lastIndexOf('.');
  const sig = base64url.decode(jws.slice(dot + 1));
  const s = sig.subarray(32).reduce((a, b) => (a << 8n) | BigInt(b), 0n);
  let t = N - s;
  const out = new Uint8Array(sig);
  for (let i = 63; i >= 32; i--, t >>= 8n) out[i] = Number(t & 0xffn);
  return `${jws.slice(0, dot + 1)}${base64url.encode(out)}`;
}

describe('duplicateMember', () => {
  it('finds a name given twice in any object, escapes decoded, and nothing else', () => {
    expect(duplicateMember('{"a":1,"b":{"c":2},"a":3}')).toBe('a');
    expect(duplicateMember('{"a":[{"x":1},{"x":2,"x":3}]}')).toBe('x');
    expect(duplicateMember('{"a\\u0062":1,"ab":2}')).toBe('ab');
    expect(duplicateMember('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}')).toBeNull();
  });
  it('agrees with JSON.parse on objects without duplicates', () => {
    fc.assert(fc.property(fc.object(), (o) => duplicateMember(JSON.stringify(o)) === null));
  });
  it('finds the name given twice wherever it is put, whatever strings, escapes and spaces surround it', () => {
    // A JSON text with one member written again at a random place: the fast count must see it,
    // and the name found is the one a tokenizer finds (jsonc-parser, the reference).
    const tricky = fc.constantFrom('a', 'a":', '\\', '\u0061', '"', ':', '{"x":1}', ' ', 'é', '\n');
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string({ unit: tricky }), fc.integer(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.string({ unit: tricky, maxLength: 4 }), tie('v'), { maxKeys: 4 })),
    })).v;
    fc.assert(fc.property(fc.dictionary(fc.string({ unit: tricky, maxLength: 4 }), value, { minKeys: 1, maxKeys: 5 }), value, fc.boolean(), (o, again, spaced) => {
      const [name] = Object.keys(o);
      const text = JSON.stringify(o, null, spaced ? 1 : undefined);
      const twice = `${text.slice(0, -1)},${JSON.stringify(name)}${spaced ? ' : ' : ':'}${JSON.stringify(again)}}`;
      expect(duplicateMember(text)).toBeNull();
      expect(duplicateMember(twice)).toBe(name);
    }), { numRuns: 500 });
  });
});

/** Whether both suites verify `jws` under `key` (strictness is another check: a high-S signature verifies). */
async function verifies(jws: string, key: CryptoKey) {
  const jwk = await exportJWK(key);
  const [a, b] = await Promise.all([nodeSuite, webSuite].map(async (suite) => verifyJws(suite, await suite.importPublic(jwk, 'ES256'), jws)));
  return a && b;
}

describe('strictJwsProblem and toLowS', () => {
  it('refuses a high-S ES256 signature that verifies, and toLowS makes it acceptable', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    for (let i = 0; i < 16; i++) {
      const jws = await new CompactSign(enc.encode(`{"n":${i}}`)).setProtectedHeader(header).sign(privateKey);
      const high = isLowS(base64url.decode(jws.split('.')[2]!)) ? flipS(jws) : jws;
      expect(await verifies(high, publicKey as CryptoKey)).toBe(true);
      expect(strictJwsProblem(high, 'ES256')).toMatch(/low-S/);
      const low = toLowS(high);
      expect(low).not.toBe(high);
      expect(strictJwsProblem(low, 'ES256')).toBeNull();
      expect(await verifies(low, publicKey as CryptoKey)).toBe(true);
      expect(toLowS(low)).toBe(low);
    }
  });

  it('refuses stray trailing bits in any part, and a member twice in header or payload', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const jws = await new CompactSign(enc.encode('{"a":1}')).setProtectedHeader({ ...header, alg: 'EdDSA' }).sign(privateKey);
    expect(strictJwsProblem(jws, 'EdDSA')).toBeNull();
    // 64 bytes take 86 symbols, the last carrying 2 bits and 4 zero ones: set one of those.
    const sig = jws.split('.')[2]!;
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bent = `${jws.slice(0, -1)}${last[last.indexOf(sig.at(-1)!) + 1]}`;
    expect(base64url.decode(bent.split('.')[2]!)).toEqual(base64url.decode(sig));
    expect(strictJwsProblem(bent, 'EdDSA')).toBe('not canonical base64url');
    // A part of 4n + 1 symbols is no base64url at all (jose throws on decoding it): refused, not a 500.
    expect(strictJwsProblem(`${jws}valueOf`, 'EdDSA')).toBe('not canonical base64url');
    const twice = await new CompactSign(enc.encode('{"iss":"a","iss":"b"}')).setProtectedHeader({ ...header, alg: 'EdDSA' }).sign(privateKey);
    expect(strictJwsProblem(twice, 'EdDSA')).toBe('the payload has the member "iss" twice');
  });
});
