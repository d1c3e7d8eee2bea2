/** The dispensing record without HTTP: the design's example, every refusal with its path, its time window. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problem } from '../support/problem.js';
import { checkDispensedAtWindow, parseDateTime, parseDispensation } from '../../src/domain/dispensation.js';

/** The design's example, with real values for its `<id>` and `<claim id>` placeholders. */
const record = {
  iss: '750000001', aud: 'https://ordo.example', jti: 'd-0001', iat: 1795000300,
  prescription: '7Z3K9Q2M4N6P8R0T', claim: 'q3Jx0bV1cS9mKd2wYtR8Ag', dispensedAt: '2026-11-28T10:05:00Z',
  dispensedBy: { id: '10007654321', name: 'Paul Hamon' },
  identityCheck: 'vitale',
  lines: [{ item: 0, quantity: 1,
            dispensed: { system: 'CIP13', value: '3400935955838' },
            substitution: null, lot: 'A123', expiry: '2028-05',
            reason: null, note: 'optional' }],
};
const line = record.lines[0]!;
const minimal = { iss: '750000001', aud: 'https://ordo.example', jti: 'd', iat: 1795000300, prescription: '7Z3K9Q2M4N6P8R0T', claim: 'c', lines: [{ item: 0, quantity: 1 }] };

const refusal = (doc: unknown) => problem(() => parseDispensation(doc));
const withLine = (change: Record<string, unknown>) => ({ ...record, lines: [{ ...line, ...change }] });

describe('the dispensing record: accepted', () => {
  it("accepts the design's example", () => {
    expect(parseDispensation(record)).toEqual(record);
  });

  it('accepts the required members alone; substitution and reason default to null', () => {
    expect(parseDispensation(minimal).lines).toEqual([{ item: 0, quantity: 1, substitution: null, reason: null }]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['quantity 0 with a reason', withLine({ quantity: 0, reason: 'out_of_stock' })],
    ['a partial quantity with a reason', withLine({ reason: 'patient_refused' })],
    ['a generic substitution with its reason', withLine({ substitution: { type: 'generic', reason: 'rupture du princeps' } })],
    ['a biosimilar', withLine({ substitution: { type: 'biosimilar' }, dispensed: { system: 'UCD', value: '9218831' } })],
    ['dispensed null, lot null, expiry null, note null', withLine({ dispensed: null, lot: null, expiry: null, note: null })],
    ['dispensedAt with an offset', { ...record, dispensedAt: '2026-11-28T11:05:00+01:00' }],
    ['dispensedAt with fractions of a second', { ...record, dispensedAt: '2026-11-28T10:05:00.123Z' }],
    ['any short identityCheck token', { ...record, identityCheck: 'carte_vitale2' }],
    ['dispensedBy with a name only', { ...record, dispensedBy: { name: 'Paul Hamon' } }],
    ['several lines for distinct items', { ...record, lines: [line, { ...line, item: 2 }, { ...line, item: 1 }] }],
    ['an item index the prescription may not have (judged later, as unknown_item)', withLine({ item: 60 })],
    ['unknown top-level members', { ...record, exp: 1795000600 }],
  ])('accepts %s', (_, doc) => {
    expect(refusal(doc)).toBeNull();
  });
});

describe('the dispensing record: refused, with the path', () => {
  const long = (n: number) => 'x'.repeat(n);
  it.each<[string, unknown]>([
    ['iss', { ...record, iss: '750 000 001' }],
    ['aud', { ...record, aud: undefined }],
    ['jti', { ...record, jti: '' }],
    ['jti', { ...record, jti: long(129) }],
    ['iat', { ...record, iat: -1 }],
    ['prescription', { ...record, prescription: '<id>' }],
    ['prescription', { ...record, prescription: '7z3k9q2m4n6p8r0t' }],
    ['claim', { ...record, claim: '' }],
    ['claim', { ...record, claim: long(65) }],
    ['dispensedAt', { ...record, dispensedAt: 'yesterday' }],
    ['dispensedAt', { ...record, dispensedAt: '2026-11-28T10:05Z' }],
    ['dispensedAt', { ...record, dispensedAt: '2026-11-28T10:05:00' }],
    ['dispensedAt', { ...record, dispensedAt: '2026-11-28 10:05:00Z' }],
    ['dispensedAt', { ...record, dispensedAt: '2026-02-30T10:05:00Z' }],
    ['dispensedAt', { ...record, dispensedAt: '2026-11-28T24:00:00Z' }],
    ['dispensedAt', { ...record, dispensedAt: '2026-11-28T10:05:00+0100' }],
    ['dispensedAt', { ...record, dispensedAt: 1795000300 }],
    ['dispensedBy', { ...record, dispensedBy: {} }],
    ['dispensedBy', { ...record, dispensedBy: { ...record.dispensedBy, rpps: '1' } }],
    ['identityCheck', { ...record, identityCheck: 'Carte Vitale' }],
    ['identityCheck', { ...record, identityCheck: long(33) }],
    ['lines', { ...record, lines: [] }],
    ['lines', { ...record, lines: Array.from({ length: 51 }, (_, item) => ({ ...line, item })) }],
    ['lines.0', withLine({ batch: 'A123' })],
    ['lines.0.item', withLine({ item: -1 })],
    ['lines.0.item', withLine({ item: 0.5 })],
    ['lines.0.item', withLine({ item: '0' })],
    ['lines.0.quantity', withLine({ quantity: -1 })],
    ['lines.0.quantity', withLine({ quantity: 1001 })],
    ['lines.0.quantity', withLine({ quantity: 1.5 })],
    ['lines.0.reason', withLine({ quantity: 0 })],
    ['lines.0.reason', withLine({ quantity: 0, reason: 'lost' })],
    ['lines.0.dispensed.value', withLine({ dispensed: { system: 'CIP13', value: '3400935955839' } })],
    ['lines.0.dispensed.value', withLine({ dispensed: { system: 'ATC', value: 'N02BE1' } })],
    ['lines.0.dispensed.system', withLine({ dispensed: { system: 'GTIN', value: '3400935955838' } })],
    ['lines.0.substitution.type', withLine({ substitution: { type: 'cheaper' } })],
    ['lines.0.substitution', withLine({ substitution: { type: 'generic', by: 'me' } })],
    ['lines.0.substitution', withLine({ substitution: 'generic' })],
    ['lines.0.lot', withLine({ lot: '' })],
    ['lines.0.lot', withLine({ lot: long(65) })],
    ['lines.0.expiry', withLine({ expiry: '2028-13' })],
    ['lines.0.expiry', withLine({ expiry: '2028-5' })],
    ['lines.0.expiry', withLine({ expiry: '2028-05-31' })],
    ['lines.0.note', withLine({ note: long(1001) })],
    ['lines.1.item', { ...record, lines: [line, { ...line, quantity: 2 }] }],
    ['(document)', null],
    ['(document)', [record]],
  ])('at %s', (path, doc) => {
    const p = refusal(doc);
    expect(p).toMatchObject({ code: 'invalid_document' });
    expect(p!.paths).toContain(path);
  });

  it('says what is wrong, with paths, all problems at once', () => {
    const p = refusal({ ...record, lines: [{ ...line, quantity: 0 }, { ...line, item: 0, quantity: 1 }] });
    expect(p!.errors).toEqual([
      { path: 'lines.0.reason', message: 'required when quantity is 0: one of out_of_stock, patient_refused, already_supplied, intervention' },
      { path: 'lines.1.item', message: 'item 0 is already on line 0: one line per item' },
    ]);
    expect(p!.detail).toContain('lines.1.item: item 0 is already on line 0');
  });
});

describe('dispensedAt', () => {
  const now = Date.parse('2026-11-28T10:05:00Z');
  const hours = (h: number) => h * 3600_000;

  it('parses RFC 3339 with Z or an offset to the same instant', () => {
    expect(parseDateTime('2026-11-28T10:05:00Z')).toBe(now);
    expect(parseDateTime('2026-11-28T11:05:00+01:00')).toBe(now);
    expect(parseDateTime('2026-11-28T05:05:00-05:00')).toBe(now);
    expect(parseDateTime('2026-11-28T10:05:00')).toBeNaN();
  });

  it('may be up to 72 hours back and up to the 60 s skew ahead', () => {
    for (const at of [now, now - hours(72), now + 60_000]) expect(() => checkDispensedAtWindow(at, now)).not.toThrow();
  });

  it('is refused further back, in the future, or unreadable, at path dispensedAt', () => {
    for (const at of [now - hours(72) - 1, now + 60_001, Number.NaN]) {
      expect(problem(() => checkDispensedAtWindow(at, now))).toMatchObject({ code: 'invalid_document', paths: ['dispensedAt'] });
    }
    expect(problem(() => checkDispensedAtWindow(now + hours(1), now))?.errors[0]?.message).toContain('in the future');
    expect(problem(() => checkDispensedAtWindow(now - hours(73), now))?.errors[0]?.message).toContain('72 hours');
  });
});

describe('properties', () => {
  const anyLine = fc.record({ item: fc.nat({ max: 49 }), quantity: fc.integer({ min: 1, max: 1000 }) });

  it('lines for distinct items are accepted; any repeated item is refused at the repeat', () => {
    fc.assert(
      fc.property(fc.uniqueArray(anyLine, { selector: (l) => l.item, minLength: 1, maxLength: 50 }), fc.nat(), (lines, pick) => {
        expect(refusal({ ...record, lines })).toBeNull();
        const again = { ...lines[pick % lines.length]!, quantity: 1 };
        if (lines.length === 50) return;
        expect(refusal({ ...record, lines: [...lines, again] })?.paths).toEqual([`lines.${lines.length}.item`]);
      }),
    );
  });

  it('a line of quantity 0 is accepted exactly when it has a reason', () => {
    fc.assert(
      fc.property(fc.constantFrom(null, undefined, 'out_of_stock', 'patient_refused', 'already_supplied', 'intervention'), (reason) => {
        const p = refusal(withLine({ quantity: 0, reason }));
        expect(p === null).toBe(reason != null);
      }),
    );
  });

  it('arbitrary JSON, or the example with any member replaced, never throws anything but invalid_document', () => {
    const member = fc.constantFrom(...Object.keys(record));
    const lineMember = fc.constantFrom(...Object.keys(line));
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.tuple(member, fc.jsonValue()).map(([k, v]) => ({ ...record, [k]: v })), fc.tuple(lineMember, fc.jsonValue()).map(([k, v]) => withLine({ [k]: v }))),
        (doc) => {
          const p = refusal(doc);
          if (p) expect(p.code).toBe('invalid_document');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('checkDispensedAtWindow accepts exactly the window [now − 72 h, now + 60 s]', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100 * 3600_000, max: 3600_000 }), (offset) => {
        const now = 1_795_000_000_000;
        const ok = problem(() => checkDispensedAtWindow(now + offset, now)) === null;
        expect(ok).toBe(offset >= -72 * 3600_000 && offset <= 60_000);
      }),
    );
  });
});
