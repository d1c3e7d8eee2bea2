/**
 * The C2SP text formats of the log (src/log): tlog-checkpoint bodies, tlog-cosignature lines,
 * tlog-proof and the tlog-witness add-checkpoint bodies. Known answers are the examples
 * printed in those specs (c2sp.org/tlog-checkpoint, tlog-cosignature, tlog-witness) and the
 * vkeys and timestamps of transparency-dev/formats note/note_cosigv1_test.go.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { webSuite } from '../../src/crypto/suite/web.js';
import type { CryptoSuite } from '../../src/crypto/suite/types.js';
import { formatCheckpoint, parseCheckpoint, signCheckpoint } from '../../src/log/checkpoint.js';
import { cosign, cosignatureSigner, cosignatureVerifier, parseCosignatureLine, verifyCosignature } from '../../src/log/cosignature.js';
import { NoteKeyError, noteSigner, noteVerifier, openNote, toHex, verifierKeyOf } from '../../src/log/note.js';
import { formatTlogProof, parseTlogProof } from '../../src/log/proof-format.js';
import {
  WITNESS_STATUS, formatAddCheckpoint, formatSizeConflict, parseAddCheckpoint, parseCosignatureResponse, parseSizeConflict,
} from '../../src/log/witness-protocol.js';

const suites: [string, CryptoSuite][] = [['node', nodeSuite], ['web', webSuite]];
const freshJwk = (): JWK => generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JWK;
const hash = (byte: number) => new Uint8Array(32).fill(byte);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

// c2sp.org/tlog-checkpoint, its example (also the one of tlog-cosignature and tlog-witness).
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_LOG_SIG = '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';
const SPEC_COSIG = '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';

describe('tlog-checkpoint', () => {
  it('reads the spec example and writes it back byte for byte', () => {
    const parsed = parseCheckpoint(SPEC_BODY);
    expect(parsed.ok && parsed.checkpoint).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163, extensions: [] });
    expect(parsed.ok && b64(parsed.checkpoint.root)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(parsed.ok && formatCheckpoint(parsed.checkpoint)).toBe(SPEC_BODY);
  });

  it('reads and writes extension lines and the empty tree', () => {
    const text = `log.example\n0\n${b64(hash(0))}\nfirst extension\nsecond\n`;
    const parsed = parseCheckpoint(text);
    expect(parsed.ok && parsed.checkpoint).toMatchObject({ size: 0, extensions: ['first extension', 'second'] });
    expect(parsed.ok && formatCheckpoint(parsed.checkpoint)).toBe(text);
  });

  it('refuses anything else', () => {
    const root = b64(hash(1));
    const cases: [string, string][] = [
      [`log\n1\n${root}`, 'not-newline-terminated'],
      [`log\r\n1\r\n${root}\r\n`, 'control-character'],
      [`log\n1\n${root}\n\n`, 'empty-line'],
      [`log\n1\n${root}\n\next\n`, 'empty-line'],
      [`\n1\n${root}\n`, 'empty-line'],
      [`log\n1\n`, 'too-few-lines'],
      ...['01', '-1', '+1', ' 1', '1 ', '1.0', '1e3', '', '9007199254740992', '18446744073709551615', '٣'].map((size): [string, string] => [`log\n${size}\n${root}\n`, size === '' ? 'empty-line' : 'size']),
      ...[b64(new Uint8Array(31)), b64(new Uint8Array(33)), root.replace('=', ''), root.replace('QE=', 'QF='), Buffer.from(hash(0xfb)).toString('base64url'), ` ${root}`]
        .map((r): [string, string] => [`log\n1\n${r}\n`, 'root']),
    ];
    for (const [text, reason] of cases) expect(parseCheckpoint(text), JSON.stringify(text)).toEqual({ ok: false, reason });
  });

  it('formats only what it can read back, with an origin that can name the key', () => {
    const good = { origin: 'log.example', size: 1, root: hash(1) };
    expect(() => formatCheckpoint({ ...good, origin: 'log example' })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...good, origin: '' })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...good, size: -1 })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...good, size: 1.5 })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...good, size: 2 ** 53 })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...good, root: new Uint8Array(31) })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...good, extensions: [''] })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...good, extensions: ['two\nlines'] })).toThrow(RangeError);
    expect(() => formatCheckpoint({ ...good, extensions: ['cr\r'] })).toThrow(RangeError);
  });
});

describe('tlog-cosignature', () => {
  it('reads the spec example line: key ID, then the timestamp of its example message (time 1679315147)', () => {
    const parsed = parseCosignatureLine(SPEC_COSIG);
    expect(parsed.ok && [parsed.cosignature.name, toHex(parsed.cosignature.keyId), parsed.cosignature.timestamp, parsed.cosignature.signature.length])
      .toEqual(['witness.example.com/w1', '8d66cf3f', 1679315147, 64]);
    // transparency-dev/formats TestCoSigV1Timestamp.
    const tdev = parseCosignatureLine('— w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n');
    expect(tdev.ok && tdev.cosignature.timestamp).toBe(1727964367);
    // Its "wrong type of signature": a plain 68-byte Ed25519 note signature.
    expect(parseCosignatureLine('— w eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=\n')).toEqual({ ok: false, reason: 'malformed' });
    expect(parseCosignatureLine(SPEC_COSIG.slice(0, -1))).toEqual({ ok: false, reason: 'malformed' });
    expect(parseCosignatureLine(SPEC_COSIG + SPEC_COSIG)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('takes witness vkeys of type 0x04 only (transparency-dev/formats TestCoSigV1NewVerifier)', async () => {
    const v = await cosignatureVerifier(nodeSuite, 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2');
    expect([v.name, toHex(v.keyId), v.type]).toEqual(['remora.n621.de', 'da77ade7', 4]);
    await expect(noteVerifier(nodeSuite, 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2')).rejects.toBeInstanceOf(NoteKeyError);
    await expect(cosignatureVerifier(nodeSuite, 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6')).rejects.toBeInstanceOf(NoteKeyError);
  });

  describe.each(suites)('on the %s suite', (_, suite) => {
    const other = suite === nodeSuite ? webSuite : nodeSuite;

    it('cosigns, the other suite verifies and gives the same line, and node:crypto alone checks it from the spec', async () => {
      const jwk = freshJwk();
      const [witness, same] = [await cosignatureSigner(suite, 'witness.example/w1', jwk), await cosignatureSigner(other, 'witness.example/w1', jwk)];
      const line = await cosign(suite, witness, SPEC_BODY, 1679315147);
      expect(await cosign(other, same, SPEC_BODY, 1679315147)).toBe(line);
      const vkey = verifierKeyOf(suite, witness);
      expect(vkey.split('+')[2]!.startsWith('B')).toBe(true); // base64 of 0x04 ‖ key
      expect(await verifyCosignature(other, await cosignatureVerifier(other, vkey), SPEC_BODY, line)).toEqual({ ok: true, timestamp: 1679315147 });
      // Independently: key ID over 0x04, signature over the two header lines and the body.
      const raw = Buffer.from(line.slice(line.lastIndexOf(' ') + 1, -1), 'base64');
      const pub = Buffer.from(jwk.x!, 'base64url');
      expect(raw.subarray(0, 4)).toEqual(createHash('sha256').update('witness.example/w1\n').update(Buffer.from([0x04])).update(pub).digest().subarray(0, 4));
      expect(raw.readBigUInt64BE(4)).toBe(1679315147n);
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x! }, format: 'jwk' });
      expect(nodeVerify(null, Buffer.from(`cosignature/v1\ntime 1679315147\n${SPEC_BODY}`), key, raw.subarray(12))).toBe(true);
    });

    it('refuses a tampered checkpoint or timestamp, another witness, a plain key, a non-checkpoint', async () => {
      const witness = await cosignatureSigner(suite, 'witness.example/w1', freshJwk());
      const verifier = await cosignatureVerifier(suite, verifierKeyOf(suite, witness));
      const line = await cosign(suite, witness, SPEC_BODY, 1700000000);
      expect(await verifyCosignature(suite, verifier, SPEC_BODY.replace('20852163', '20852164'), line)).toEqual({ ok: false, reason: 'bad-signature' });
      const raw = Buffer.from(line.slice(line.lastIndexOf(' ') + 1, -1), 'base64');
      raw.writeBigUInt64BE(1700000001n, 4);
      expect(await verifyCosignature(suite, verifier, SPEC_BODY, `${line.slice(0, line.lastIndexOf(' '))} ${raw.toString('base64')}\n`)).toEqual({ ok: false, reason: 'bad-signature' });
      raw.writeBigUInt64BE(2n ** 53n, 4);
      expect(await verifyCosignature(suite, verifier, SPEC_BODY, `${line.slice(0, line.lastIndexOf(' '))} ${raw.toString('base64')}\n`)).toEqual({ ok: false, reason: 'timestamp' });
      const stranger = await cosignatureVerifier(suite, verifierKeyOf(suite, await cosignatureSigner(suite, 'witness.example/w1', freshJwk())));
      expect(await verifyCosignature(suite, stranger, SPEC_BODY, line)).toEqual({ ok: false, reason: 'unknown-key' });
      expect(await verifyCosignature(suite, verifier, `${SPEC_BODY}\n${SPEC_LOG_SIG}`, line)).toEqual({ ok: false, reason: 'not-a-checkpoint' });
      const plain = await noteSigner(suite, 'witness.example/w1', freshJwk());
      await expect(cosign(suite, plain, SPEC_BODY, 1)).rejects.toBeInstanceOf(NoteKeyError);
      await expect(verifyCosignature(suite, await noteVerifier(suite, verifierKeyOf(suite, plain)), SPEC_BODY, line)).rejects.toBeInstanceOf(TypeError);
      await expect(cosign(suite, witness, 'not\na checkpoint\n', 1)).rejects.toBeInstanceOf(RangeError);
      await expect(cosign(suite, witness, SPEC_BODY, -1)).rejects.toBeInstanceOf(RangeError);
      await expect(signCheckpoint(suite, { origin: 'log.example', size: 1, root: hash(1) }, witness)).rejects.toBeInstanceOf(NoteKeyError);
    });

    it('opens a checkpoint with the log key and witness keys at once, ignoring the spec example\'s strangers', async () => {
      const log = await noteSigner(suite, 'log.example', freshJwk());
      const witness = await cosignatureSigner(suite, 'witness.example/w1', freshJwk());
      const note = await signCheckpoint(suite, { origin: 'log.example', size: 9, root: hash(9) }, log);
      const body = note.slice(0, note.lastIndexOf('\n\n') + 1);
      const cosigned = `${note}${await cosign(suite, witness, body, 1700000000)}${SPEC_COSIG}`;
      const keys = [await noteVerifier(suite, verifierKeyOf(suite, log)), await cosignatureVerifier(suite, verifierKeyOf(suite, witness))];
      const opened = await openNote(suite, cosigned, keys);
      expect(opened.ok && opened.verified.map((k) => [k.name, k.type])).toEqual([['log.example', 1], ['witness.example/w1', 4]]);
      expect(opened).toMatchObject({ unknown: 1 });
      expect(await openNote(suite, cosigned.replace('\n9\n', '\n8\n'), keys)).toMatchObject({ ok: false, reason: 'bad-signature' });
    });
  });
});

describe('tlog-proof', () => {
  const checkpoint = `${SPEC_BODY}\n${SPEC_LOG_SIG}`;

  it('writes and reads back proofs with and without extra data (the spec example\'s shape)', () => {
    const proof = { index: 73894, extra: Buffer.from('age-v1.2.1-darwin-arm64.tar.gz'), proof: [hash(1), hash(2), hash(3)], checkpoint };
    const text = formatTlogProof(proof);
    expect(text).toBe(`c2sp.org/tlog-proof@v1\nextra ${b64(proof.extra)}\nindex 73894\n${b64(hash(1))}\n${b64(hash(2))}\n${b64(hash(3))}\n\n${checkpoint}`);
    expect(parseTlogProof(text)).toEqual({ ok: true, proof: { ...proof, extra: new Uint8Array(proof.extra) } });
    const bare = formatTlogProof({ index: 0, proof: [], checkpoint });
    expect(bare).toBe(`c2sp.org/tlog-proof@v1\nindex 0\n\n${checkpoint}`);
    expect(parseTlogProof(bare)).toEqual({ ok: true, proof: { index: 0, proof: [], checkpoint } });
    expect(parseTlogProof(formatTlogProof({ index: 1, extra: new Uint8Array(0), proof: [], checkpoint }))).toMatchObject({ ok: true, proof: { extra: new Uint8Array(0) } });
  });

  it('refuses malformed proofs', () => {
    const h = b64(hash(1));
    const cases: [string, string][] = [
      [`c2sp.org/tlog-proof@v2\nindex 0\n\n${checkpoint}`, 'header'],
      [`C2SP.org/tlog-proof@v1\nindex 0\n\n${checkpoint}`, 'header'],
      [`c2sp.org/tlog-proof@v1\r\nindex 0\n\n${checkpoint}`, 'header'],
      [`c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\n${checkpoint}`, 'extra'],
      [`c2sp.org/tlog-proof@v1\nindex 0\nextra AA==\n\n${checkpoint}`, 'proof-hash'],
      [`c2sp.org/tlog-proof@v1\nindex 01\n\n${checkpoint}`, 'index'],
      [`c2sp.org/tlog-proof@v1\nindex  1\n\n${checkpoint}`, 'index'],
      [`c2sp.org/tlog-proof@v1\n${h}\n\n${checkpoint}`, 'index'],
      [`c2sp.org/tlog-proof@v1\nindex 1\n${b64(new Uint8Array(31))}\n\n${checkpoint}`, 'proof-hash'],
      [`c2sp.org/tlog-proof@v1\nindex 1\n${h}\r\n\n${checkpoint}`, 'proof-hash'],
      [`c2sp.org/tlog-proof@v1\nindex 1\n${`${h}\n`.repeat(64)}\n${checkpoint}`, 'too-many-hashes'],
      [`c2sp.org/tlog-proof@v1\nindex 1\n${h}\n`, 'no-blank-line'],
      [`c2sp.org/tlog-proof@v1\nindex 1\n\n${SPEC_BODY}`, 'checkpoint'],
      [`c2sp.org/tlog-proof@v1\nindex 1\n\n${checkpoint}trailing\n`, 'checkpoint'],
      [`c2sp.org/tlog-proof@v1\nindex 1\n\n\n${checkpoint}`, 'checkpoint'],
      [`c2sp.org/tlog-proof@v1\nindex 20852163\n\n${checkpoint}`, 'index-beyond-size'],
    ];
    for (const [text, reason] of cases) expect(parseTlogProof(text), JSON.stringify(text.slice(0, 60))).toEqual({ ok: false, reason });
    expect(() => formatTlogProof({ index: 20852163, proof: [], checkpoint })).toThrow(RangeError);
    expect(() => formatTlogProof({ index: 0, proof: [new Uint8Array(31)], checkpoint })).toThrow(RangeError);
    expect(() => formatTlogProof({ index: 0, proof: [], checkpoint: SPEC_BODY })).toThrow(RangeError);
  });
});

describe('tlog-witness add-checkpoint', () => {
  const SPEC_REQUEST = 'old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n'
    + '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\n'
    + `${SPEC_BODY}\n${SPEC_LOG_SIG}— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n`;

  it('reads the spec example request and writes it back byte for byte', () => {
    const parsed = parseAddCheckpoint(SPEC_REQUEST);
    expect(parsed.ok && [parsed.request.oldSize, parsed.request.proof.map(b64)[3], parsed.request.checkpoint.startsWith(SPEC_BODY)])
      .toEqual([20852014, '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=', true]);
    expect(parsed.ok && formatAddCheckpoint(parsed.request)).toBe(SPEC_REQUEST);
    const first = formatAddCheckpoint({ oldSize: 0, proof: [], checkpoint: `${SPEC_BODY}\n${SPEC_LOG_SIG}` });
    expect(first).toBe(`old 0\n\n${SPEC_BODY}\n${SPEC_LOG_SIG}`);
    expect(parseAddCheckpoint(first)).toMatchObject({ ok: true, request: { oldSize: 0, proof: [] } });
  });

  it('refuses malformed requests and what the spec forbids a client to send', () => {
    const note = `${SPEC_BODY}\n${SPEC_LOG_SIG}`;
    const h = b64(hash(1));
    const cases: [string, string][] = [
      [`old 01\n\n${note}`, 'old-size'],
      [`old -1\n\n${note}`, 'old-size'],
      [`old\n\n${note}`, 'old-size'],
      [`Old 1\n\n${note}`, 'old-size'],
      [`old 1\r\n\n${note}`, 'old-size'],
      [`old 1\n${h.slice(1)}\n\n${note}`, 'proof-hash'],
      [`old 1\n${`${h}\n`.repeat(64)}\n${note}`, 'too-many-hashes'],
      [`old 0\n${h}\n\n${note}`, 'proof-for-empty-tree'],
      [`old 1\n${h}\n${note}`, 'proof-hash'],
      [`old 1\n${h}\n`, 'no-blank-line'],
      [`old 1\n\n${SPEC_BODY}`, 'checkpoint'],
      [`old 1\n\n${note.replaceAll('\n', '\r\n')}`, 'checkpoint'],
    ];
    for (const [body, reason] of cases) expect(parseAddCheckpoint(body), JSON.stringify(body.slice(0, 40))).toEqual({ ok: false, reason });
    expect(() => formatAddCheckpoint({ oldSize: 0, proof: [hash(1)], checkpoint: note })).toThrow(RangeError);
    expect(() => formatAddCheckpoint({ oldSize: 1, proof: Array(64).fill(hash(1)), checkpoint: note })).toThrow(RangeError);
    expect(() => formatAddCheckpoint({ oldSize: 1, proof: [], checkpoint: SPEC_BODY })).toThrow(RangeError);
  });

  it('reads the spec example response, the 409 size body, and knows the status codes', () => {
    const response = parseCosignatureResponse('— witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n'
      + '— witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/lCAsmlw==\n'
      + '— witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbYKA7nC3HNJhm/kWl7oJlqU3rXXvpysAdyP3wQ==\n');
    expect(response.ok && response.signatures.map((s) => s.name)).toEqual(['witness.example/w1', 'witness.example/w1', 'witness.example/w2']);
    for (const bad of ['', '\n', SPEC_COSIG.slice(0, -1), `${SPEC_COSIG}\n`, `${SPEC_COSIG}not a line\n`]) expect(parseCosignatureResponse(bad)).toMatchObject({ ok: false });
    expect(formatSizeConflict(20852014)).toBe('20852014\n');
    expect(parseSizeConflict('20852014\n')).toBe(20852014);
    for (const bad of ['20852014', '020\n', '1\n\n', ' 1\n']) expect(parseSizeConflict(bad)).toBeUndefined();
    expect(WITNESS_STATUS).toEqual({ cosigned: 200, badRequest: 400, untrustedSignature: 403, unknownOrigin: 404, conflict: 409, inconsistent: 422 });
  });
});
