/**
 * C2SP signed notes (src/log/note.ts) on both crypto suites: known answers from
 * golang.org/x/mod/sumdb/note (note_test.go: TestNewVerifier, TestSign, TestOpen) and the
 * C2SP signed-note example, a second implementation of note verification written here from the
 * C2SP text with node:crypto alone, and the refusals.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { webSuite } from '../../src/crypto/suite/web.js';
import type { CryptoSuite } from '../../src/crypto/suite/types.js';
import { signCheckpoint, openCheckpoint } from '../../src/log/checkpoint.js';
import {
  MAX_NOTE_BYTES, NoteKeyError, formatVerifierKey, noteSigner, noteVerifier, openNote, parseNote, parseVerifierKey,
  signNote, toHex, verifierKeyOf, type NoteVerifier,
} from '../../src/log/note.js';
import { RFC8037 } from '../crypto/suite-contract.js';

const suites: [string, CryptoSuite][] = [['node', nodeSuite], ['web', webSuite]];

// golang.org/x/mod/sumdb/note/note_test.go (and the package doc in note.go).
const GO = {
  peterSkey: 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz',
  peterVkey: 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
  enochVkey: 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop',
  text: "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n",
  peterSig: '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
  enochSig: '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n',
};

/** A private JWK from a Go signer key (`PRIVATE+KEY+name+hash+base64(0x01 ‖ seed)`) and its vkey. */
function goJwk(skey: string, vkey: string): JWK {
  const seed = Buffer.from(skey.split('+').slice(4).join('+'), 'base64').subarray(1);
  const pub = Buffer.from(vkey.split('+').slice(2).join('+'), 'base64').subarray(1);
  return { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: pub.toString('base64url') };
}

const freshJwk = (): JWK => generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as JWK;

/**
 * A second implementation of signed-note verification, from c2sp.org/signed-note alone: the
 * text ends at the last blank line; each signature line is em dash, space, key name, space,
 * base64(4-byte key ID ‖ Ed25519 signature); the key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4];
 * the vkey is name+hex ID+base64(0x01 ‖ key). Returns the names of the vkeys that signed.
 */
function independentlyVerified(note: string, vkeys: string[]): { text: string; signers: string[] } {
  const bytes = Buffer.from(note, 'utf8');
  const split = bytes.lastIndexOf('\n\n');
  if (split < 0 || bytes.at(-1) !== 0x0a) throw new Error('not a note');
  const text = bytes.subarray(0, split + 1);
  const lines = bytes.subarray(split + 2).toString('utf8').split('\n').slice(0, -1);
  const signers: string[] = [];
  for (const vkey of vkeys) {
    const [name, hex] = vkey.split('+') as [string, string];
    const material = Buffer.from(vkey.slice(name.length + hex.length + 2), 'base64');
    if (material[0] !== 0x01 || material.length !== 33) throw new Error('not an Ed25519 vkey');
    const id = createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, 0x01])).update(material.subarray(1)).digest().subarray(0, 4);
    if (id.toString('hex') !== hex) throw new Error('key ID mismatch');
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: material.subarray(1).toString('base64url') }, format: 'jwk' });
    for (const line of lines) {
      if (!line.startsWith('\u2014 ')) throw new Error('not a signature line');
      const [lineName, b64] = line.slice(2).split(' ') as [string, string];
      const sig = Buffer.from(b64, 'base64');
      if (lineName === name && sig.subarray(0, 4).equals(id) && nodeVerify(null, text, key, sig.subarray(4))) signers.push(name);
    }
  }
  return { text: text.toString('utf8'), signers };
}

describe('known answers', () => {
  it('the C2SP signed-note example splits its text at the last blank line', () => {
    const note = 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n'
      + '— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
    const parsed = parseNote(note);
    expect(parsed.ok && parsed.text).toBe('Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    expect(parsed.ok && parsed.signatures.map((s) => [s.name, toHex(s.keyId), s.signature.length])).toEqual([['quasimodo.example/salvatore', '367ba04b', 64]]);
  });

  it('Go TestNewVerifier: the vkey parses, and every proper substring and one-character change of it is refused', async () => {
    const parsed = parseVerifierKey(nodeSuite, GO.peterVkey);
    expect(parsed.ok && [parsed.key.name, toHex(parsed.key.keyId), parsed.key.type]).toEqual(['PeterNeumann', 'c74f20a3', 1]);
    const bad = [
      'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==', // wrong length key, adjusted key hash
      'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', // unknown algorithm, adjusted key hash
    ];
    for (let i = 0; i <= GO.peterVkey.length; i++) {
      for (let j = i + 1; j <= GO.peterVkey.length; j++) if (i !== 0 || j !== GO.peterVkey.length) bad.push(GO.peterVkey.slice(i, j));
    }
    for (let i = 0; i < GO.peterVkey.length; i++) {
      bad.push(GO.peterVkey.slice(0, i) + String.fromCharCode(GO.peterVkey.charCodeAt(i) + 1) + GO.peterVkey.slice(i + 1));
    }
    for (const vkey of bad) await expect(noteVerifier(nodeSuite, vkey), vkey).rejects.toBeInstanceOf(NoteKeyError);
  });

  it('transparency-dev/formats: a vkey whose base64 holds a "+" splits at the first two', async () => {
    const v = await noteVerifier(nodeSuite, 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6');
    expect([v.name, toHex(v.keyId)]).toEqual(['TEST', '7997405c']);
    // note_verifier_test.go's malformed ones: parts, base64, algorithm (an ECDSA key: type 0x02), key hash.
    for (const vkey of ['bananas.sigstore.dev+12344556', 'rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!', 'rekor.sigstore.dev+12345678+AwEB',
      'rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvXwBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=']) {
      await expect(noteVerifier(nodeSuite, vkey)).rejects.toBeInstanceOf(NoteKeyError);
    }
  });

  describe.each(suites)('on the %s suite', (_, suite) => {
    it('Go TestSign: the PeterNeumann key signs the note byte for byte, and its vkey is the published one', async () => {
      const signer = await noteSigner(suite, 'PeterNeumann', goJwk(GO.peterSkey, GO.peterVkey));
      expect(toHex(signer.keyId)).toBe('c74f20a3');
      expect(verifierKeyOf(suite, signer)).toBe(GO.peterVkey);
      expect(await signNote(suite, GO.text, signer)).toBe(`${GO.text}\n${GO.peterSig}`);
    });

    it('Go TestOpen: one known key of two, both, none', async () => {
      const [peter, enoch] = [await noteVerifier(suite, GO.peterVkey), await noteVerifier(suite, GO.enochVkey)];
      const note = `${GO.text}\n${GO.peterSig}${GO.enochSig}`;
      const one = await openNote(suite, note, [peter]);
      expect(one).toMatchObject({ ok: true, text: GO.text, unknown: 1 });
      expect(one.ok && one.verified.map((k) => [k.name, toHex(k.keyId)])).toEqual([['PeterNeumann', 'c74f20a3']]);
      const both = await openNote(suite, note, [peter, enoch]);
      expect(both.ok && both.verified.map((k) => k.name)).toEqual(['PeterNeumann', 'EnochRoot']);
      expect(both).toMatchObject({ unknown: 0 });
      expect(await openNote(suite, note, [])).toMatchObject({ ok: false, reason: 'unverified' });
    });

    it('Go TestOpen: too many, an invalid signature by a known key, repeated lines, malformed notes', async () => {
      const peter = await noteVerifier(suite, GO.peterVkey);
      expect(await openNote(suite, `${GO.text}\n${GO.peterSig.repeat(101)}`, [peter])).toMatchObject({ ok: false, reason: 'too-many-signatures' });
      // Go's peterSig[:60] counts bytes; the em dash is 3 of them and 1 UTF-16 unit.
      const invalid = `${GO.peterSig.slice(0, 58)}ABCD${GO.peterSig.slice(58)}`;
      expect(await openNote(suite, `${GO.text}\n${invalid}`, [peter])).toMatchObject({ ok: false, reason: 'bad-signature', detail: 'PeterNeumann+c74f20a3' });
      const enochABCD = `${GO.enochSig.slice(0, 58)}ABCD${GO.enochSig.slice(58)}`;
      const repeated = await openNote(suite, `${GO.text}\n${GO.peterSig}${GO.peterSig}${GO.enochSig}${GO.enochSig}${enochABCD}`, [peter]);
      expect(repeated).toMatchObject({ ok: true, unknown: 2 });
      expect(repeated.ok && repeated.verified).toHaveLength(1);
      const enc = (s: string) => new TextEncoder().encode(s);
      const badMsgs: [string | Uint8Array, string][] = [
        [GO.text, 'no-signature-block'],
        [`${GO.text}\n`, 'no-signature-block'],
        [`${GO.text}\n${GO.peterSig.slice(0, -1)}`, 'no-signature-block'],
        [`\x01${GO.text}\n${GO.peterSig}`, 'control-character'],
        [Uint8Array.from([0xff, ...enc(`${GO.text}\n${GO.peterSig}`)]), 'not-utf8'],
        [`${GO.text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`, 'no-signature-block'],
        [`${GO.text}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`, 'malformed-signature-line'],
        [`${GO.text}\n${GO.peterSig}Unexpected line.\n`, 'malformed-signature-line'],
      ];
      for (const [msg, reason] of badMsgs) expect(await openNote(suite, msg, [peter])).toMatchObject({ ok: false, reason });
    });
  });
});

describe('a second, independent implementation', () => {
  it('verifies the Go known answer (so it is itself right)', () => {
    expect(independentlyVerified(`${GO.text}\n${GO.peterSig}${GO.enochSig}`, [GO.peterVkey, GO.enochVkey])).toEqual({ text: GO.text, signers: ['PeterNeumann', 'EnochRoot'] });
  });

  it.each(suites)('verifies a checkpoint signed on the %s suite, and refuses it tampered', async (_, suite) => {
    const signer = await noteSigner(suite, 'ordo.example/log', RFC8037.jwk);
    const checkpoint = { origin: 'ordo.example/log', size: 12345, root: new Uint8Array(32).fill(7) };
    const note = await signCheckpoint(suite, checkpoint, signer);
    const vkey = verifierKeyOf(suite, signer);
    expect(independentlyVerified(note, [vkey])).toEqual({ text: `ordo.example/log\n12345\n${Buffer.alloc(32, 7).toString('base64')}\n`, signers: ['ordo.example/log'] });
    expect(independentlyVerified(note.replace('12345', '12346'), [vkey]).signers).toEqual([]);
    const opened = await openCheckpoint(suite, note, [await noteVerifier(suite, vkey)], 'ordo.example/log');
    expect(opened.ok && opened.checkpoint.size).toBe(12345);
  });
});

describe.each(suites)('on the %s suite', (_, suite) => {
  const other = suite === nodeSuite ? webSuite : nodeSuite;

  it('gives the same note as the other suite (Ed25519 is deterministic), and each opens the other\'s', async () => {
    const jwk = freshJwk();
    const text = 'ordo.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextension line\n';
    const [mine, theirs] = [await noteSigner(suite, 'ordo.example/log', jwk), await noteSigner(other, 'ordo.example/log', jwk)];
    const note = await signNote(suite, text, mine);
    expect(await signNote(other, text, theirs)).toBe(note);
    expect(verifierKeyOf(suite, mine)).toBe(verifierKeyOf(other, theirs));
    expect(await openNote(other, note, [await noteVerifier(other, verifierKeyOf(suite, mine))])).toMatchObject({ ok: true, text, unknown: 0 });
  });

  it('refuses tampered text, a wrong key, and a colliding key ID; ignores an unknown signer', async () => {
    const [log, stranger] = [await noteSigner(suite, 'log.example', freshJwk()), await noteSigner(suite, 'stranger.example', freshJwk())];
    const verifier = await noteVerifier(suite, verifierKeyOf(suite, log));
    const note = await signNote(suite, 'hello\n', [log, stranger]);
    expect(await openNote(suite, note, [verifier])).toMatchObject({ ok: true, unknown: 1 });
    expect(await openNote(suite, note.replace('hello', 'hellO'), [verifier])).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Same name, another key: another key ID, so an unknown signature, and nothing verified.
    const impostor = await noteVerifier(suite, verifierKeyOf(suite, await noteSigner(suite, 'log.example', freshJwk())));
    expect(await openNote(suite, note, [impostor])).toMatchObject({ ok: false, reason: 'unverified' });
    // Name and key ID of the log, the key of another (an attacker's collision): verified, and refused.
    const collision: NoteVerifier = { ...impostor, keyId: log.keyId };
    expect(await openNote(suite, note, [collision])).toMatchObject({ ok: false, reason: 'bad-signature' });
    await expect(openNote(suite, note, [verifier, verifier])).rejects.toBeInstanceOf(TypeError);
  });

  it('refuses CRLF, a missing final newline, oversize, non-canonical base64, and bad names', async () => {
    const signer = await noteSigner(suite, 'log.example', RFC8037.jwk);
    const verifier = await noteVerifier(suite, verifierKeyOf(suite, signer));
    const note = await signNote(suite, 'a\nb\n', signer);
    expect(await openNote(suite, note.replaceAll('\n', '\r\n'), [verifier])).toMatchObject({ ok: false, reason: 'control-character' });
    expect(await openNote(suite, note.slice(0, -1), [verifier])).toMatchObject({ ok: false, reason: 'no-signature-block' });
    const line = note.slice(note.lastIndexOf('\u2014'));
    expect(await openNote(suite, note.replace(line, line.replace('=\n', '\n')), [verifier])).toMatchObject({ reason: 'malformed-signature-line' });
    // 68 bytes take 92 symbols, the last before '=' with 2 unused bits: setting one is not canonical.
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const stray = line.slice(0, -3) + ALPHABET[ALPHABET.indexOf(line.at(-3)!) ^ 1] + '=\n';
    expect(Buffer.from(stray.split(' ')[2]!, 'base64')).toEqual(Buffer.from(line.split(' ')[2]!, 'base64'));
    expect(await openNote(suite, note.replace(line, stray), [verifier])).toMatchObject({ ok: false, reason: 'malformed-signature-line' });
    expect(await openNote(suite, `${'x'.repeat(MAX_NOTE_BYTES)}\n${note}`, [verifier])).toMatchObject({ ok: false, reason: 'too-large' });
    expect(await openNote(suite, `${'é'.repeat(MAX_NOTE_BYTES / 2)}${note}`, [verifier])).toMatchObject({ ok: false, reason: 'too-large' });
    await expect(signNote(suite, 'no newline', signer)).rejects.toBeInstanceOf(RangeError);
    await expect(signNote(suite, 'cr\r\n', signer)).rejects.toBeInstanceOf(RangeError);
    await expect(signNote(suite, `${'x'.repeat(MAX_NOTE_BYTES)}\n`, signer)).rejects.toBeInstanceOf(RangeError);
    for (const name of ['', 'a+b', 'a b', 'a\u00a0b', 'a\u2028b', 'tab\t']) {
      await expect(noteSigner(suite, name, RFC8037.jwk), name).rejects.toBeInstanceOf(NoteKeyError);
      expect(() => formatVerifierKey(suite, name, 1, signer.publicKey)).toThrow(NoteKeyError);
    }
  });

  it('keeps a leading byte-order mark in the signed text, and refuses a JWK whose x is not its d\'s', async () => {
    const signer = await noteSigner(suite, 'log.example', RFC8037.jwk);
    const note = await signNote(suite, '\ufeffbom\n', signer);
    const opened = await openNote(suite, new TextEncoder().encode(note), [await noteVerifier(suite, verifierKeyOf(suite, signer))]);
    expect(opened.ok && opened.text).toBe('\ufeffbom\n');
    await expect(noteSigner(suite, 'log.example', { ...RFC8037.jwk, x: freshJwk().x })).rejects.toBeInstanceOf(NoteKeyError);
    await expect(noteSigner(suite, 'log.example', { kty: 'OKP', crv: 'Ed25519', x: RFC8037.jwk.x })).rejects.toBeInstanceOf(NoteKeyError);
  });
});
