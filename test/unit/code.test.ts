import { timingSafeEqual } from '../../src/crypto/compare.js';
import { importTokenKey } from '../../src/crypto/ordo-keys.js';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CODE_BYTES, ID_BYTES, PAYLOAD_PREFIX, V_BYTES, checkSymbol, computeV, decodeId, encodeId, formatCode,
  parseCode,
} from '../../src/domain/code.js';
import { layoutTables, repairKeyboardLayout } from '../../src/domain/keyboard.js';

const DATA = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CHECK = DATA + '*~$=U';
const GROUPED = /^([0-9A-HJKMNP-TV-Z]{5}-){8}[0-9A-HJKMNP-TV-Z*~$=U]$/;
const codeBytes = fc.uint8Array({ minLength: CODE_BYTES, maxLength: CODE_BYTES });
const keyBytes = Uint8Array.from({ length: 32 }, (_, i) => i);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A code whose check symbol is CHECK[want]: the last byte moves the value mod 37 one for one. */
function codeWithCheck(want: number): Uint8Array {
  const code = new Uint8Array(CODE_BYTES).fill(0xa5);
  code[CODE_BYTES - 1] = 0;
  const base = CHECK.indexOf(checkSymbol(code));
  code[CODE_BYTES - 1] = (want - base + 37) % 37;
  return code;
}

describe('ids', () => {
  it('writes 10 bytes as 16 symbols, keeping leading zeros', () => {
    expect(encodeId(new Uint8Array(ID_BYTES))).toBe('0000000000000000');
    expect(encodeId(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))).toBe('0000000000000001');
    expect(encodeId(Uint8Array.from([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]))).toBe('000020G30G2GC1R8');
    expect(() => encodeId(new Uint8Array(9))).toThrow(RangeError);
  });

  it('reads ids normalised like codes, and nothing else', () => {
    const id = Uint8Array.from([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (const text of ['000020G30G2GC1R8', 'ooo020g30g2gcir8', ' 0000-20G3-0G2G-CLR8 ']) expect(decodeId(text)).toEqual(id);
    for (const text of ['000020G30G2GC1R', '000020G30G2GC1R80', '000020G30G2GC1RU', '000020G30G2GC1R*', 'é00020G30G2GC1R8', '0'.repeat(300)]) {
      expect(decodeId(text)).toBeNull();
    }
  });

  it('round-trips every id', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: ID_BYTES, maxLength: ID_BYTES }), (id) => {
      expect(decodeId(encodeId(id))).toEqual(id);
    }));
  });
});

describe('computeV', () => {
  it('is the first 15 bytes of HMAC-SHA256(key, id ‖ n big-endian)', async () => {
    const key = await importTokenKey(keyBytes);
    expect(key).not.toBe(keyBytes); // a private copy: a caller reusing its buffer cannot change it
    expect([...key]).toEqual([...keyBytes]);
    const id = Uint8Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    for (const n of [1, 2, 256, 0xffffffff]) {
      const message = Buffer.concat([Buffer.from(id), Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255])]);
      const expected = createHmac('sha256', Buffer.from(keyBytes)).update(message).digest().subarray(0, V_BYTES);
      expect(hex(await computeV(key, id, n))).toBe(hex(expected));
    }
  });

  it('gives a pinned code for a fixed key and id', async () => {
    const key = await importTokenKey(keyBytes);
    const id = Uint8Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const v = await computeV(key, id, 1);
    expect(formatCode(new Uint8Array([...id, ...v])).grouped).toMatchInlineSnapshot(`"1440E-1G50G-1G408-0Y0MZ-ASN6R-HCQG0-58CY6-1ACV6-9"`);
  });

  it('refuses n outside 1..2^32-1, a wrong id length, and a short key', async () => {
    const key = await importTokenKey(keyBytes);
    for (const n of [0, -1, 1.5, 2 ** 32, Number.NaN]) await expect(computeV(key, new Uint8Array(ID_BYTES), n)).rejects.toThrow(RangeError);
    await expect(computeV(key, new Uint8Array(11), 1)).rejects.toThrow(RangeError);
    await expect(importTokenKey(new Uint8Array(31))).rejects.toThrow(RangeError);
  });
});

describe('check symbol and format', () => {
  it('is the 200-bit big-endian value mod 37', () => {
    fc.assert(fc.property(codeBytes, (code) => {
      expect(checkSymbol(code)).toBe(CHECK[Number(BigInt('0x' + hex(code)) % 37n)]);
    }));
  });

  it('writes 8 groups of 5, then the check; the payload carries no check', () => {
    const code = new Uint8Array(CODE_BYTES);
    code[CODE_BYTES - 1] = 1;
    const f = formatCode(code);
    expect(f.symbols).toBe('0'.repeat(39) + '1');
    expect(f.grouped).toBe('00000-00000-00000-00000-00000-00000-00000-00001-1');
    expect(f.payload).toBe(PAYLOAD_PREFIX + f.symbols);
    fc.assert(fc.property(codeBytes, (bytes) => {
      const g = formatCode(bytes);
      expect(g.grouped).toMatch(GROUPED);
      expect(g.grouped.replaceAll('-', '')).toBe(g.symbols + g.check);
      expect(g.payload).toMatch(/^ORDO1:[0-9A-HJKMNP-TV-Z]{40}$/);
    }));
  });

  it('uses the five check-only symbols, and reads them only in the 41st position', () => {
    for (const [i, check] of ['*', '~', '$', '=', 'U'].entries()) {
      const code = codeWithCheck(32 + i);
      const f = formatCode(code);
      expect(f.check).toBe(check);
      expect(parseCode(f.grouped)).toMatchObject({ ok: true, code });
      expect(parseCode(f.grouped.toLowerCase())).toMatchObject({ ok: true, code });
      expect(parseCode(check + f.symbols.slice(1))).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});

/** The written forms a person or a scanner may deliver, all of which must parse to `code`. */
const variants = fc.record({
  form: fc.constantFrom('grouped', 'payload', 'bare41', 'bare40', 'prefixed41'),
  lower: fc.boolean(),
  spaces: fc.boolean(),
  lookalikes: fc.boolean(),
  enter: fc.constantFrom('', '\r', '\n', '\r\n', ' '),
});

describe('parseCode', () => {
  it('round-trips every code through every written form', () => {
    fc.assert(fc.property(codeBytes, variants, (code, v) => {
      const f = formatCode(code);
      const forms: Record<typeof v.form, [string, string]> = {
        grouped: ['', f.grouped], payload: [PAYLOAD_PREFIX, f.symbols], bare41: ['', f.symbols + f.check],
        bare40: ['', f.symbols], prefixed41: ['ordo1:', f.symbols + f.check],
      };
      const [prefix, body] = forms[v.form];
      let text = body;
      if (v.spaces) text = text.replaceAll('-', ' ');
      if (v.lookalikes) text = text.replace(/0/g, 'O').replace(/1/g, (_m, at: number) => 'ILil'[at % 4]!);
      text = prefix + text;
      if (v.lower) text = text.toLowerCase();
      const parsed = parseCode(text + v.enter);
      expect(parsed).toEqual({ ok: true, id: code.slice(0, ID_BYTES), v: code.slice(ID_BYTES), idText: f.symbols.slice(0, 16), code });
    }));
  });

  it('catches every single-symbol substitution of a typed code', () => {
    fc.assert(fc.property(codeBytes, fc.boolean(), (code, grouped) => {
      const typed = [...(formatCode(code).symbols + formatCode(code).check)];
      for (let at = 0; at < typed.length; at++) {
        for (const other of CHECK) {
          if (other === typed[at]) continue;
          const changed = typed.with(at, other);
          const text = grouped ? changed.join('').replace(/(.{5})/g, '$1-') : changed.join('');
          const expected = at < 40 && !DATA.includes(other) ? 'malformed' : 'bad_check';
          expect(parseCode(text)).toEqual({ ok: false, reason: expected });
        }
      }
    }), { numRuns: 30 });
  });

  it('catches every swap of two adjacent different symbols', () => {
    fc.assert(fc.property(codeBytes, fc.integer({ min: 0, max: 39 }), (code, at) => {
      const f = formatCode(code);
      const typed = [...(f.symbols + f.check)];
      fc.pre(typed[at] !== typed[at + 1]);
      [typed[at], typed[at + 1]] = [typed[at + 1]!, typed[at]!];
      expect(parseCode(typed.join('')).ok).toBe(false);
    }));
  });

  it('refuses what is not a code', () => {
    const f = formatCode(codeWithCheck(5));
    for (const text of [
      '', 'ORDO1:', f.symbols.slice(1), f.symbols + f.check + '0', f.symbols + '56', f.symbols.slice(0, 39) + 'U', f.symbols + '**',
      'ORDO2:' + f.symbols, 'ORDO1 ' + f.symbols, f.symbols + ' '.repeat(200), '1'.repeat(38) + 'ß', // ß must not turn into SS
    ]) expect(parseCode(text)).toEqual({ ok: false, reason: 'malformed' });
    expect(parseCode('1'.repeat(38) + 'SS').ok).toBe(true);
  });

  it('never throws, whatever it is given', () => {
    const near = fc.string({ unit: fc.constantFrom(...'ORDO1:&M!.-?éèçà§_ \r\n*~$=Uuqazw0123456789ABCXYZ'), maxLength: 60 });
    const any = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), near, near.map((s) => 'ORDO&M' + s), near.map((s) => 'ordo!.' + s));
    fc.assert(fc.property(any, (text) => {
      const r = parseCode(text);
      if (!r.ok) expect(['malformed', 'bad_check']).toContain(r.reason);
      decodeId(text);
    }), { numRuns: 2000 });
  });
});

/**
 * A model of the physical keys, independent of keyboard.ts: each key's (unshifted, shifted)
 * character, same positions in both layouts, for the rows a payload touches.
 */
const KEYS = {
  us: ['1!', '2@', '3#', '4$', '5%', '6^', '7&', '8*', '9(', '0)', 'qQ', 'wW', 'eE', 'rR', 'tT', 'yY', 'uU', 'iI', 'oO', 'pP',
    'aA', 'sS', 'dD', 'fF', 'gG', 'hH', 'jJ', 'kK', 'lL', ';:', 'zZ', 'xX', 'cC', 'vV', 'bB', 'nN', 'mM', ',<', '.>', '/?'],
  fr: ['&1', 'é2', '"3', "'4", '(5', '-6', 'è7', '_8', 'ç9', 'à0', 'aA', 'zZ', 'eE', 'rR', 'tT', 'yY', 'uU', 'iI', 'oO', 'pP',
    'qQ', 'sS', 'dD', 'fF', 'gG', 'hH', 'jJ', 'kK', 'lL', 'mM', 'wW', 'xX', 'cC', 'vV', 'bB', 'nN', ',?', ';.', ':/', '!§'],
};

/** What a scanner set to `scanner` types into a host set to `host`. */
function typeThrough(text: string, scanner: 'us' | 'fr', host: 'us' | 'fr'): string {
  return [...text].map((ch) => {
    const key = KEYS[scanner].findIndex((k) => k.includes(ch));
    if (key < 0) throw new Error(`no key for ${ch}`);
    return KEYS[host][key]![KEYS[scanner][key]!.indexOf(ch)];
  }).join('');
}

describe('keyboard layout repair', () => {
  it('matches the design: ORDO&M for ORDO1:, &é"\'(-è_çà for the digits, ? for M', () => {
    expect(typeThrough('ORDO1:', 'us', 'fr')).toBe('ORDO&M');
    expect(typeThrough('1234567890', 'us', 'fr')).toBe('&é"\'(-è_çà');
    expect(typeThrough('MAQZW', 'us', 'fr')).toBe('?QAWZ');
    expect(typeThrough('ORDO1:1234567890MAQZW', 'fr', 'us')).toBe('ORDO!.!@#$%^&*():QAWZ');
    expect(repairKeyboardLayout('ORDO&M')).toBe('ORDO1:');
    expect(repairKeyboardLayout('ORDO!.')).toBe('ORDO1:');
    expect(Object.keys(layoutTables).length).toBe(2);
  });

  it('repairs a payload typed through either mismatch, with or without Enter', () => {
    fc.assert(fc.property(codeBytes, fc.constantFrom(['us', 'fr'] as const, ['fr', 'us'] as const), fc.constantFrom('', '\r\n'), (code, [scanner, host], enter) => {
      const typed = typeThrough(formatCode(code).payload, scanner, host);
      expect(parseCode(typed + enter)).toMatchObject({ ok: true, code });
      expect(parseCode(typed.toLowerCase())).toMatchObject({ ok: true, code }); // Caps Lock
    }));
  });

  it('reads the Mac French and Belgian digits row (§ for 6, ! for 8)', () => {
    const code = new Uint8Array(CODE_BYTES).fill(0x6a);
    const typed = typeThrough(formatCode(code).payload, 'us', 'fr');
    expect(typed).toMatch(/[-_]/);
    expect(parseCode(typed.replaceAll('-', '§').replaceAll('_', '!'))).toMatchObject({ ok: true, code });
  });

  it('repairs nothing without the mismatched prefix', () => {
    const f = formatCode(new Uint8Array(CODE_BYTES).fill(0x42));
    expect(repairKeyboardLayout(f.payload)).toBe(f.payload);
    const typed = typeThrough(f.payload, 'us', 'fr');
    expect(typed.slice(6)).not.toBe(f.symbols);
    expect(parseCode(typed.slice(6))).toEqual({ ok: false, reason: 'malformed' });
    expect(parseCode('ORDO1:' + typed.slice(6))).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('timingSafeEqual', () => {
  it('is byte equality, false for different lengths', () => {
    expect(timingSafeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3))).toBe(true);
    expect(timingSafeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4))).toBe(false);
    expect(timingSafeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 3))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    fc.assert(fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
      expect(timingSafeEqual(a, b)).toBe(hex(a) === hex(b));
    }));
  });
});
