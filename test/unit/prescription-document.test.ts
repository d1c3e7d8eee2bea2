/** The prescription document without HTTP: the design's example, every rule's refusal with its path. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problem } from '../support/problem.js';
import { ean13Valid, nirKeyValid } from '../../src/domain/medicine-code.js';
import { checkIssuedAtWindow, validatePrescription } from '../../src/domain/prescription.js';

const TZ = 'Europe/Paris';
const at = (iso: string) => ({ legalAt: Date.parse(iso), tz: TZ, skewSeconds: 60 });
/** The design's example, verbatim. Its iat (2026-11-18T11:06:40Z) is ten days before the date its jti suggests. */
const example = {
  iss: '10001234567', aud: 'https://ordo.example', jti: 'rx-2026-11-28-0001',
  iat: 1795000000,
  prescriber: { name: 'Dr Claire Roussel', profession: 'médecin',
                structure: { id: '750012345', name: 'Cabinet des Lilas', address: '…', phone: '…' } },
  patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12', sex: 'female',
             ins: { value: '248037512345678', oid: '1.2.250.1.213.1.4.8', qualified: true },
             weightKg: 61 },
  items: [
    { code: { system: 'CIP13', value: '3400935955838' },
      label: 'Paracétamol 1 g, comprimé', activeIngredient: 'paracétamol',
      dosage: '1 comprimé 3 fois par jour', quantity: 2, unit: 'boîte',
      supplyDays: 30, renewals: 2,
      substitutable: true },
  ],
  renewals: 0, validUntil: '2027-02-28', controlled: false,
  replaces: null, externalIds: [], notes: 'optional free text',
};
const item = example.items[0]!;
const ctx = at('2026-11-28T10:00:00Z'); // legal date 2026-11-28 in Paris
const minimal = {
  iss: 'rpps-1', aud: 'https://ordo.example', jti: 'a', iat: 1_795_000_000,
  patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12' },
  items: [{ code: { system: 'ATC', value: 'N02BE01' }, label: 'Paracétamol', dosage: '1 g 3 fois par jour', quantity: 1, unit: 'boîte' }],
};
const { validUntil: _omit, ...undated } = example;

const refusal = (doc: unknown, c = ctx) => problem(() => validatePrescription(doc, c));
const withItem = (change: Record<string, unknown>) => ({ ...example, items: [{ ...item, ...change }] });
const withPatient = (change: Record<string, unknown>) => ({ ...example, patient: { ...example.patient, ...change } });
const withCode = (system: string, value: string) => withItem({ code: { system, value } });

describe('the prescription document: accepted', () => {
  it("accepts the design's example as it stands, at its own iat", () => {
    const legal = { legalAt: example.iat * 1000 + 30_000, tz: TZ, skewSeconds: 60 };
    expect(() => checkIssuedAtWindow(example.iat, legal.legalAt, 60)).not.toThrow();
    const v = validatePrescription(example, legal);
    expect(v.validUntil).toBe('2027-02-28');
    expect(v.expiresAt).toBe(Date.parse('2027-02-28T23:00:00Z')); // 2027-03-01T00:00 in Paris
    expect(v.items).toEqual([{ quantity: 2, renewals: 2, total: 6, supplyDays: 30, substitutable: true }]);
    expect(v.payload.patient.ins?.value).toBe('248037512345678');
  });

  it('accepts a document with only the required members, and fills in the defaults', () => {
    const v = validatePrescription(minimal, ctx);
    expect(v.payload).toMatchObject({ renewals: 0, controlled: false, items: [{ substitutable: true }] });
    expect(v.validUntil).toBe('2027-02-28');
    expect(v.items).toEqual([{ quantity: 1, renewals: 0, total: 1, supplyDays: null, substitutable: true }]);
  });

  it('lets unknown top-level members through untouched (JWT claims, later versions)', () => {
    expect(validatePrescription({ ...example, exp: 1795000300, nbf: 1795000000 }, ctx).payload).toMatchObject({ exp: 1795000300 });
  });

  it.each([
    ['CIP13', '3400935955838'], ['CIP7', '3593558'], ['UCD', '9218831'], ['UCD', '3400892088310'], ['LPP', '1191470'],
    ['ATC', 'N'], ['ATC', 'N02'], ['ATC', 'N02B'], ['ATC', 'N02BE'], ['ATC', 'N02BE01'],
  ])('accepts a %s code %s', (system, value) => {
    expect(refusal(withCode(system, value))).toBeNull();
  });

  it('accepts a text code whose value is the label, a non-substitutable item with its reason, a replaces link, external ids', () => {
    expect(refusal(withItem({ code: { system: 'text', value: item.label } }))).toBeNull();
    const v = validatePrescription({ ...withItem({ substitutable: false, substitutionReason: 'MTE' }), replaces: '7Z3K9Q2M4N6P8R0T', externalIds: [{ system: 'urn:oid:1.2.3', value: 'RX-42' }] }, ctx);
    expect(v.items[0]!.substitutable).toBe(false);
  });

  it('per-item renewals default to the document’s; an item’s own value wins', () => {
    const v = validatePrescription({ ...example, renewals: 3, items: [{ ...item, renewals: undefined }, { ...item, renewals: 0 }] }, ctx);
    expect(v.items.map((i) => [i.renewals, i.total])).toEqual([[3, 8], [0, 2]]);
  });
});

describe('the prescription document: refused, with the path', () => {
  const long = (n: number) => 'x'.repeat(n);
  it.each<[string, unknown]>([
    ['iss', { ...example, iss: undefined }],
    ['iss', { ...example, iss: 'RPPS 1000' }],
    ['aud', { ...example, aud: '' }],
    ['jti', { ...example, jti: '' }],
    ['jti', { ...example, jti: long(129) }],
    ['jti', { ...example, jti: 'rx 1' }],
    ['iat', { ...example, iat: 1795000000.5 }],
    ['iat', { ...example, iat: '1795000000' }],
    ['patient', { ...example, patient: undefined }],
    ['patient', withPatient({ nir: '1' })],
    ['patient.family', withPatient({ family: '' })],
    ['patient.family', withPatient({ family: '   ' })],
    ['patient.family', withPatient({ family: long(101) })],
    ['patient.given', withPatient({ given: [] })],
    ['patient.given', withPatient({ given: 'Jeanne' })],
    ['patient.given', withPatient({ given: Array(11).fill('Jeanne') })],
    ['patient.given.1', withPatient({ given: ['Jeanne', ''] })],
    ['patient.birthDate', withPatient({ birthDate: '1948-02-30' })],
    ['patient.birthDate', withPatient({ birthDate: '12/03/1948' })],
    ['patient.sex', withPatient({ sex: 'F' })],
    ['patient.ins.value', withPatient({ ins: { ...example.patient.ins, value: '12345' } })],
    ['patient.ins.oid', withPatient({ ins: { ...example.patient.ins, oid: 'INS-NIR' } })],
    ['patient.ins.qualified', withPatient({ ins: { value: '248037512345678', oid: '1.2.250.1.213.1.4.8' } })],
    ['patient.weightKg', withPatient({ weightKg: 0 })],
    ['patient.weightKg', withPatient({ weightKg: 501 })],
    ['prescriber', { ...example, prescriber: { ...example.prescriber, rpps: '1' } }],
    ['prescriber.structure.phone', { ...example, prescriber: { structure: { phone: long(51) } } }],
    ['items', { ...example, items: [] }],
    ['items', { ...example, items: Array(51).fill(item) }],
    ['items.0', withItem({ colour: 'blue' })],
    ['items.0', withItem({ substituable: false })],
    ['items.0.code.system', withCode('EAN', '3400935955838')],
    ['items.0.code', withItem({ code: { system: 'CIP13', value: '3400935955838', label: 'x' } })],
    ['items.0.code.value', withCode('CIP13', '3400935955839')],
    ['items.0.code.value', withCode('CIP13', '340093595583')],
    ['items.0.code.value', withCode('CIP7', '359355')],
    ['items.0.code.value', withCode('UCD', '12345678')],
    ['items.0.code.value', withCode('LPP', '119147A')],
    ['items.0.code.value', withCode('text', 'Doliprane')],
    ['items.0.label', withItem({ label: '' })],
    ['items.0.label', withItem({ label: long(201) })],
    ['items.0.label', withItem({ label: 'Parac\u0000étamol' })],
    ['items.0.dosage', withItem({ dosage: undefined })],
    ['items.0.dosage', withItem({ dosage: long(501) })],
    ['items.0.quantity', withItem({ quantity: 0 })],
    ['items.0.quantity', withItem({ quantity: 1.5 })],
    ['items.0.quantity', withItem({ quantity: 1001 })],
    ['items.0.unit', withItem({ unit: undefined })],
    ['items.0.supplyDays', withItem({ supplyDays: 0 })],
    ['items.0.supplyDays', withItem({ supplyDays: 367 })],
    ['items.0.renewals', withItem({ renewals: 12 })],
    ['items.0.renewals', withItem({ renewals: -1 })],
    ['items.0.substitutionReason', withItem({ substitutable: false })],
    ['items.0.substitutionReason', withItem({ substitutable: false, substitutionReason: 'NR' })],
    ['items.0.substitutable', withItem({ substitutionReason: 'MTE' })],
    ['renewals', { ...example, renewals: 12 }],
    ['validUntil', { ...example, validUntil: '2027-02-30' }],
    ['controlled', { ...example, controlled: 'yes' }],
    ['replaces', { ...example, replaces: 'not-an-id' }],
    ['replaces', { ...example, replaces: '7Z3K9Q2M4N6P8R0I' }],
    ['externalIds', { ...example, externalIds: Array(11).fill({ system: 's', value: 'v' }) }],
    ['externalIds.0', { ...example, externalIds: ['RX-42'] }],
    ['notes', { ...example, notes: long(2001) }],
    ['(document)', null],
    ['(document)', []],
    ['(document)', 'eyJhbGciOi...'],
  ])('at %s', (path, doc) => {
    const p = refusal(doc);
    expect(p).toMatchObject({ code: 'invalid_document' });
    expect(p!.paths).toContain(path);
  });

  it('says what is wrong in words an integrator can act on, all problems at once', () => {
    const p = refusal({ ...withItem({ dosage: undefined, quantity: 1.5, colour: 'blue', code: { system: 'CIP13', value: '3400935955839' } }), patient: { ...example.patient, family: '' } });
    expect(p!.errors).toEqual(expect.arrayContaining([
      { path: 'patient.family', message: 'must not be empty or blank' },
      { path: 'items.0.dosage', message: 'required (string)' },
      { path: 'items.0.quantity', message: 'must be a whole number' },
      { path: 'items.0', message: 'unknown member "colour": not allowed here' },
      { path: 'items.0.code.value', message: 'not a valid CIP13 code: expected 13 digits ending with a valid EAN-13 check digit' },
    ]));
    expect(p!.detail).toContain('items.0.dosage: required (string)');
  });

  it.each(['N0', 'N2B', 'N02BE0', 'N02BE012', 'n02', 'N02b', 'N02B1', '02', 'NN'])('refuses the ATC code %s', (value) => {
    expect(refusal(withCode('ATC', value))?.paths).toEqual(['items.0.code.value']);
  });

  it('refuses a birth date after the legal date', () => {
    expect(refusal(withPatient({ birthDate: '2026-11-28' }))).toBeNull();
    expect(refusal(withPatient({ birthDate: '2026-11-29' }))?.paths).toEqual(['patient.birthDate']);
  });
});

describe('validUntil', () => {
  it('defaults to 3 months after the legal date, clamped to the month’s end', () => {
    expect(validatePrescription(undated, ctx).validUntil).toBe('2027-02-28');
    expect(validatePrescription(undated, at('2026-11-30T12:00:00Z')).validUntil).toBe('2027-02-28');
    expect(validatePrescription(undated, at('2027-11-30T12:00:00Z')).validUntil).toBe('2028-02-29');
    expect(validatePrescription(undated, at('2026-08-31T12:00:00Z')).validUntil).toBe('2026-11-30');
  });

  it('counts from the legal date in ORDO_TZ, not in UTC', () => {
    // 23:30 UTC on 30 November is already 1 December in Paris.
    expect(validatePrescription(undated, at('2026-11-30T23:30:00Z')).validUntil).toBe('2027-03-01');
    expect(validatePrescription(undated, { ...at('2026-11-30T23:30:00Z'), tz: 'UTC' }).validUntil).toBe('2027-02-28');
  });

  it('may be the legal date itself or up to a year after it; earlier or later is refused', () => {
    expect(validatePrescription({ ...example, validUntil: '2026-11-28' }, ctx).validUntil).toBe('2026-11-28');
    expect(validatePrescription({ ...example, validUntil: '2027-11-28' }, ctx).validUntil).toBe('2027-11-28');
    expect(refusal({ ...example, validUntil: '2026-11-27' })?.errors).toEqual([{ path: 'validUntil', message: 'is in the past (the legal date is 2026-11-28)' }]);
    expect(refusal({ ...example, validUntil: '2027-11-29' })?.paths).toEqual(['validUntil']);
    expect(refusal({ ...example, validUntil: '2029-03-01' }, at('2028-02-29T12:00:00Z'))?.errors[0]?.message).toContain('at most 2029-02-28');
  });

  it('ends at the first instant of the next day in Paris, across DST changes', () => {
    const ends = (validUntil: string, legal = '2026-03-01T12:00:00Z') => validatePrescription({ ...example, validUntil }, at(legal)).expiresAt;
    expect(ends('2026-03-28')).toBe(Date.parse('2026-03-28T23:00:00Z')); // 29 March starts at 00:00 CET
    expect(ends('2026-03-29')).toBe(Date.parse('2026-03-29T22:00:00Z')); // 30 March starts at 00:00 CEST
    expect(ends('2026-10-24')).toBe(Date.parse('2026-10-24T22:00:00Z'));
    expect(ends('2026-10-25')).toBe(Date.parse('2026-10-25T23:00:00Z'));
  });
});

describe('controlled prescriptions', () => {
  const controlled = { ...undated, controlled: true, items: [{ ...item, renewals: 0, supplyDays: 28 }] };

  it('default to and stop at 28 days after the legal date', () => {
    expect(validatePrescription(controlled, ctx).validUntil).toBe('2026-12-26');
    expect(validatePrescription({ ...controlled, validUntil: '2026-12-26' }, ctx).validUntil).toBe('2026-12-26');
    expect(refusal({ ...controlled, validUntil: '2026-12-27' })?.errors).toEqual([{ path: 'validUntil', message: 'at most 2026-12-26 (28 days for a controlled prescription after the legal date 2026-11-28)' }]);
  });

  it('allow no renewal: the document’s, or any item’s', () => {
    expect(validatePrescription({ ...controlled, items: [{ ...item, renewals: undefined, supplyDays: 7 }] }, ctx).items[0]).toMatchObject({ renewals: 0, total: 2 });
    expect(refusal({ ...controlled, renewals: 1 })?.paths).toEqual(['renewals']);
    expect(refusal({ ...controlled, items: [{ ...item, supplyDays: 28 }] })?.paths).toEqual(['items.0.renewals']);
  });

  it('need supplyDays of at most 28 on every item', () => {
    expect(refusal({ ...controlled, items: [{ ...item, renewals: 0, supplyDays: undefined }] })?.paths).toEqual(['items.0.supplyDays']);
    expect(refusal({ ...controlled, items: [{ ...item, renewals: 0, supplyDays: 28 }, { ...item, renewals: 0, supplyDays: 29 }] })?.paths).toEqual(['items.1.supplyDays']);
  });

  it('report every broken rule at once', () => {
    const p = refusal({ ...controlled, renewals: 2, validUntil: '2027-01-31', items: [{ ...item, supplyDays: undefined }] });
    expect(p?.paths).toEqual(['renewals', 'items.0.renewals', 'items.0.supplyDays', 'validUntil']);
  });
});

describe('checkIssuedAtWindow', () => {
  const now = Date.parse('2026-11-28T10:00:00Z');
  it('accepts iat up to the skew ahead and up to 24 hours old', () => {
    for (const iat of [now / 1000, now / 1000 + 60, now / 1000 - 86_400]) expect(() => checkIssuedAtWindow(iat, now, 60)).not.toThrow();
  });
  it('refuses iat beyond the skew, older than 24 hours, or not whole seconds, at path iat', () => {
    for (const [iat, skew] of [[now / 1000 + 61, 60], [now / 1000 + 1, 0], [now / 1000 - 86_401, 60], ['soon', 60], [now / 1000 + 0.5, 60]] as const) {
      expect(problem(() => checkIssuedAtWindow(iat, now, skew))).toMatchObject({ code: 'invalid_document', paths: ['iat'] });
    }
  });
});

describe('properties', () => {
  const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
  const withCheck = (d12: string) => {
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += Number(d12[i]) * (i % 2 === 0 ? 1 : 3);
    return d12 + String((10 - (sum % 10)) % 10);
  };
  const changeOne = (v: string, pos: number, delta: number) => v.slice(0, pos) + String((Number(v[pos]) + delta) % 10) + v.slice(pos + 1);

  it('EAN-13: every valid CIP13 passes, and any single-digit change is caught', () => {
    fc.assert(
      fc.property(digits(12), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 9 }), (d12, pos, delta) => {
        const cip = withCheck(d12);
        expect(ean13Valid(cip)).toBe(true);
        expect(ean13Valid(changeOne(cip, pos, delta))).toBe(false);
      }),
    );
    expect(ean13Valid('3400935955838')).toBe(true);
  });

  it('NIR key: any single-digit change is caught (the design example’s key is wrong, see medicine-code.ts)', () => {
    fc.assert(
      fc.property(digits(13), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 9 }), (d13, pos, delta) => {
        const nir = d13 + String(97n - (BigInt(d13) % 97n)).padStart(2, '0');
        expect(nirKeyValid(nir)).toBe(true);
        expect(nirKeyValid(changeOne(nir, pos, delta))).toBe(false);
      }),
    );
    expect(nirKeyValid('248037512345658')).toBe(true);
    expect(nirKeyValid('248037512345678')).toBe(false);
  });

  it('ATC: every code built from the levels is accepted', () => {
    const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    const atc = fc.tuple(letter, digits(2), letter, letter, digits(2), fc.integer({ min: 0, max: 4 })).map(([a, b, c, d, e, level]) => [a, a + b, a + b + c, a + b + c + d, a + b + c + d + e][level]!);
    fc.assert(
      fc.property(atc, (value) => {
        expect(refusal(withCode('ATC', value))).toBeNull();
      }),
    );
  });

  it('totals: quantity × (1 + renewals) for any quantity and renewals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 11 }), (quantity, renewals) => {
        expect(validatePrescription(withItem({ quantity, renewals }), ctx).items[0]!.total).toBe(quantity * (1 + renewals));
      }),
    );
  });

  it('arbitrary JSON, or the example with any member replaced, never throws anything but invalid_document', () => {
    const member = fc.constantFrom(...Object.keys(example));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.tuple(member, fc.jsonValue()).map(([k, v]) => ({ ...example, [k]: v })), fc.jsonValue().map((v) => ({ ...example, items: [v] }))), (doc) => {
        const p = refusal(doc);
        if (p) expect(p.code).toBe('invalid_document');
      }),
      { numRuns: 500 },
    );
  });
});
