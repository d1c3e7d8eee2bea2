/**
 * The log's independent clock: RFC 3161 tokens requested from a local `openssl ts` TSA
 * (test/support/tsa.ts, never a remote one), verified by src/log/timestamp.ts and, as a
 * cross-check that our request and token are standard, by `openssl ts -verify`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTimestamp, TimestampError, timestampRequest, verifyTimestamp } from '../../src/log/timestamp.js';
import { startTsa, type Tsa } from '../support/tsa.js';

const run = promisify(execFile);
const enc = new TextEncoder();
const message = enc.encode('ordo.example/log\n42\nq0hqKOQ3dN8mWZ0R0VnJ9h0BfY6Wm8bqQW4k0m3R1yU=\n');
const pemToDer = (pem: string) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));

let tsa: Tsa;
let other: Tsa;
let work: string;
let token: Uint8Array;

beforeAll(async () => {
  // Two TSAs of their own CAs: RSA (as most public TSAs) and ECDSA P-256.
  [tsa, other] = await Promise.all([startTsa({ name: 'A' }), startTsa({ name: 'B', keyType: 'ec' })]);
  work = mkdtempSync(join(tmpdir(), 'ordo-tsa-test-'));
  token = await requestTimestamp(tsa.url, message);
});

afterAll(async () => {
  await Promise.all([tsa?.stop(), other?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A file in the test's folder. */
const file = (name: string, data: Uint8Array | string) => {
  const path = join(work, name);
  writeFileSync(path, data);
  return path;
};

describe('timestampRequest', () => {
  it('is a version 1 SHA-256 request with certReq and a 64-bit nonce, as openssl reads it', async () => {
    const { der, nonce } = await timestampRequest(message);
    expect(nonce).toBeGreaterThanOrEqual(0n);
    expect(nonce).toBeLessThan(1n << 64n);
    const { stdout } = await run('openssl', ['ts', '-query', '-in', file('q.tsq', der), '-text']);
    const hash = Buffer.from(await crypto.subtle.digest('SHA-256', message)).toString('hex');
    expect(stdout).toMatch(/Version: 1/);
    expect(stdout).toMatch(/Hash Algorithm: sha256/);
    // The imprint as openssl dumps it: `0000 - 82 bf 8a fa 7f b5 29 d9-d7 7b … 5b 32   ..ascii..`.
    const dumped = Array.from(stdout.matchAll(/^\s*[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){0,15}[0-9a-f]{2})/gm), (m) => m[1]!.replace(/[ -]/g, '')).join('');
    expect(dumped).toBe(hash);
    expect(BigInt(stdout.match(/Nonce: (0x[0-9A-F]+)/)?.[1] ?? -1)).toBe(nonce);
    expect(stdout).toMatch(/Certificate required: yes/);
  });

  it('draws a new nonce each time', async () => {
    const nonces = new Set(await Promise.all(Array.from({ length: 8 }, async () => (await timestampRequest(message)).nonce)));
    expect(nonces.size).toBe(8);
  });
});

describe('verifyTimestamp', () => {
  it('accepts a token from the local TSA: genTime within a minute of now, its serial and name', async () => {
    const verdict = await verifyTimestamp(token, message, [tsa.caPem]);
    expect(verdict).toMatchObject({ ok: true, tsa: 'O=Ordo tests, CN=Ordo test TSA A', policy: '1.3.6.1.4.1.4146.99.1' });
    if (!verdict.ok) return;
    expect(Math.abs(verdict.genTime.getTime() - Date.now())).toBeLessThan(60_000);
    expect(verdict.serial).toMatch(/^[0-9a-f]+$/);
  });

  it('trusts the CA or the TSA certificate itself, as PEM or DER', async () => {
    for (const trusted of [[pemToDer(tsa.caPem)], [tsa.tsaPem], [pemToDer(tsa.tsaPem)], [other.caPem + tsa.caPem]]) {
      expect(await verifyTimestamp(token, message, trusted)).toMatchObject({ ok: true });
    }
  });

  it('is accepted by openssl ts -verify (our request is standard)', async () => {
    const { stdout } = await run('openssl', ['ts', '-verify', '-data', file('message', message), '-in', file('token.der', token), '-token_in',
      '-CAfile', file('ca-a.pem', tsa.caPem)]);
    expect(stdout).toMatch(/Verification: OK/);
  });

  it('refuses the token for another message', async () => {
    const verdict = await verifyTimestamp(token, enc.encode('another checkpoint'), [tsa.caPem]);
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/another message/) });
  });

  it('refuses a token from another TSA, and accepts it against that TSA (ECDSA)', async () => {
    const foreign = await requestTimestamp(other.url, message);
    expect(await verifyTimestamp(foreign, message, [tsa.caPem])).toEqual({ ok: false, reason: expect.stringMatching(/does not chain to a trusted/) });
    expect(await verifyTimestamp(foreign, message, [tsa.tsaPem])).toMatchObject({ ok: false });
    expect(await verifyTimestamp(foreign, message, [other.caPem])).toMatchObject({ ok: true, tsa: 'O=Ordo tests, CN=Ordo test TSA B' });
  });

  it('refuses a token whose issuer or signer is not trusted', async () => {
    for (const trusted of [[other.caPem], [other.tsaPem], [other.caPem, other.tsaPem]]) {
      expect(await verifyTimestamp(token, message, trusted)).toEqual({ ok: false, reason: expect.stringMatching(/does not chain to a trusted/) });
    }
    expect(await verifyTimestamp(token, message, [])).toEqual({ ok: false, reason: 'no trusted certificate was given' });
  });

  it('refuses the token with any byte changed, and never throws', async () => {
    // Sampled here (a verification takes some 20 ms); flipping each byte of RSA and ECDSA tokens
    // in turn, against a CA and against the TSA certificate, was accepted nowhere.
    const foreign = await requestTimestamp(other.url, message);
    for (const [good, trusted] of [[token, tsa.caPem], [foreign, other.tsaPem]] as const) {
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
          const bad = new Uint8Array(good);
          bad[at]! ^= mask;
          expect(await verifyTimestamp(bad, message, [trusted])).toMatchObject({ ok: false, reason: expect.any(String) });
        }),
        { numRuns: 50 },
      );
    }
  });

  it('accepts a token without certificates when its signer is trusted, and only then', async () => {
    // openssl's own query without -cert: certReq false, so the TSA embeds no certificate.
    await run('openssl', ['ts', '-query', '-data', file('bare-message', message), '-sha256', '-out', join(work, 'bare.tsq')]);
    const query = await readFile(join(work, 'bare.tsq'));
    const answer = await fetch(tsa.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: query });
    file('bare.tsr', new Uint8Array(await answer.arrayBuffer()));
    await run('openssl', ['ts', '-reply', '-in', join(work, 'bare.tsr'), '-token_out', '-out', join(work, 'bare.der')]);
    const bare = new Uint8Array(await readFile(join(work, 'bare.der')));
    expect(await verifyTimestamp(bare, message, [tsa.tsaPem])).toMatchObject({ ok: true });
    expect(await verifyTimestamp(bare, message, [tsa.caPem])).toEqual({ ok: false, reason: expect.stringMatching(/neither in the token nor trusted/) });
  });

  it('says what is wrong with unreadable input instead of throwing', async () => {
    const cases: [Uint8Array, Uint8Array, (string | Uint8Array)[], RegExp][] = [
      [new Uint8Array(), message, [tsa.caPem], /not ASN\.1/],
      [enc.encode('not a token'), message, [tsa.caPem], /not ASN\.1|not well formed/],
      [new Uint8Array([...token, 0]), message, [tsa.caPem], /1 bytes after its end/],
      [token, new Uint8Array(), [tsa.caPem], /message is empty/],
      [token, message, ['no PEM here'], /neither PEM nor DER/],
      [token, message, [new Uint8Array([1, 2, 3])], /trusted certificate 1/],
      [token, message, ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'], /trusted certificate 1/],
    ];
    for (const [t, m, trusted, reason] of cases) {
      expect(await verifyTimestamp(t, m, trusted)).toEqual({ ok: false, reason: expect.stringMatching(reason) });
    }
  });
});

describe('requestTimestamp refusals', () => {
  const refusal = async (url: string, opts?: Parameters<typeof requestTimestamp>[2]) => {
    const error = await requestTimestamp(url, message, opts).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TimestampError);
    return (error as TimestampError).message;
  };

  it('on HTTP 500', async () => {
    tsa.answer('http500');
    try {
      expect(await refusal(tsa.url)).toBe(`TSA ${tsa.url} answered HTTP 500 Internal Server Error`);
    } finally {
      tsa.answer('grant');
    }
  });

  it("on openssl's rejection, naming the PKIStatus and failInfo", async () => {
    tsa.answer('reject');
    try {
      expect(await refusal(tsa.url)).toMatch(/refused: PKIStatus rejection \(2\), failInfo badAlg: ".*algorithm.*"/i);
    } finally {
      tsa.answer('grant');
    }
  });

  it('on an answer that is no TimeStampResp', async () => {
    tsa.answer('garbage');
    try {
      expect(await refusal(tsa.url)).toMatch(/answered something that is not a TimeStampResp \(\d+ bytes, content-type application\/timestamp-reply\)/);
    } finally {
      tsa.answer('grant');
    }
  });

  it('on an unreachable URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    expect(await refusal(`http://127.0.0.1:${port}/tsa`)).toMatch(/unreachable: fetch failed \(ECONNREFUSED\)/);
  });

  it('on a TSA that does not answer in time', async () => {
    const silent: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)));
    expect(await refusal(tsa.url, { fetch: silent, timeoutMs: 50 })).toBe(`TSA ${tsa.url} did not answer within 50 ms`);
  });

  it('on a token answering another request (nonce) or another message (imprint)', async () => {
    // A man in the middle that sends the TSA a request of its own: same message, its own nonce…
    const replay: typeof fetch = async (url, init) => fetch(url, { ...init, body: new Uint8Array((await timestampRequest(message)).der) });
    expect(await refusal(tsa.url, { fetch: replay })).toMatch(/answered another request: the token's nonce is \d+, ours \d+/);
    // …or our request with another message's hash in place of ours.
    const swap: typeof fetch = async (url, init) => {
      const body = new Uint8Array(init!.body as Uint8Array);
      const ours = Buffer.from(await crypto.subtle.digest('SHA-256', message));
      const theirs = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode('another checkpoint')));
      body.set(theirs, Buffer.from(body).indexOf(ours));
      return fetch(url, { ...init, body });
    };
    expect(await refusal(tsa.url, { fetch: swap })).toMatch(/answered for another message/);
  });
});
