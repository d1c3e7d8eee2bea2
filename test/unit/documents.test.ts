/** The document rules, without HTTP: the design's examples and every refusal with its path. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDispensedAtWindow, parseDispensation } from '../../src/domain/dispensation.js';
import { OrdoError } from '../../src/domain/errors.js';
import { ean13Valid } from '../../src/domain/medicine-code.js';
import { checkIssuedAtWindow, validatePrescription } from '../../src/domain/prescription.js';

const NOW = Date.UTC(2026, 10, 28, 10);
const ctx = { legalAt: NOW, tz: 'Europe/Paris', skewSeconds: 60 };
const example = {
  iss: '10001234567', aud: 'https://ordo.example', jti: 'rx-2026-11-28-0001', iat: NOW / 1000,
  prescriber: { name: 'Dr Claire Roussel', profession: 'médecin', structure: { id: '750012345', name: 'Cabinet des Lilas', address: '…', phone: '…' } },
  patient: { family: 'Martin', given: ['Jeanne'], birthDate: '1948-03-12', sex: 'female', ins: { value: '248037512345678', oid: '1.2.250.1.213.1.4.8', qualified: true }, weightKg: 61 },
  items: [{ code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g, comprimé', activeIngredient: 'paracétamol', dosage: '1 comprimé 3 fois par jour', quantity: 2, unit: 'boîte', supplyDays: 30, renewals: 2, substitutable: true }],
  renewals: 0, validUntil: '2027-02-28', controlled: false, replaces: null, externalIds: [], notes: 'optional free text',
};
const problem = (f: () => unknown) => {
  try {
    f();
    return null;
  } catch (e) {
    if (!(e instanceof OrdoError)) throw e;
    return { code: e.code, paths: (e.data.errors ?? []).map((x) => x.path) };
  }
};

describe('prescription', () => {
  it("accepts the design's example and derives the terms", () => {
    const v = validatePrescription(example, ctx);
    expect(v.validUntil).toBe('2027-02-28');
    expect(v.expiresAt).toBe(Date.UTC(2027, 2, 0, 23)); // 2027-03-01T00:00 Paris
    expect(v.items).toEqual([{ quantity: 2, renewals: 2, total: 6, supplyDays: 30, substitutable: true }]);
  });

  it.each([
    ['patient.family', { patient: { ...example.patient, family: '' } }],
    ['patient.birthDate', { patient: { ...example.patient, birthDate: '1948-02-30' } }],
    ['patient.ins.value', { patient: { ...example.patient, ins: { ...example.patient.ins, value: '12345' } } }],
    ['items', { items: [] }],
    ['items.0.code.value', { items: [{ ...example.items[0], code: { system: 'CIP13', value: '3400935955839' } }] }],
    ['items.0.code.value', { items: [{ ...example.items[0], code: { system: 'ATC', value: 'N2B' } }] }],
    ['items.0.code.value', { items: [{ ...example.items[0], code: { system: 'UCD', value: '12345678' } }] }],
    ['items.0.quantity', { items: [{ ...example.items[0], quantity: 1.5 }] }],
    ['items.0.substitutionReason', { items: [{ ...example.items[0], substitutable: false }] }],
    ['items.0.renewals', { items: [{ ...example.items[0], renewals: 12 }] }],
    ['items.0', { items: [{ ...example.items[0], colour: 'blue' }] }],
    ['validUntil', { validUntil: '2026-11-27' }],
    ['validUntil', { validUntil: '2027-11-29' }],
    ['renewals', { controlled: true, renewals: 1, items: [{ ...example.items[0], renewals: 0 }] }],
    ['items.0.renewals', { controlled: true }],
    ['items.0.supplyDays', { controlled: true, items: [{ ...example.items[0], renewals: 0, supplyDays: 30 }] }],
    ['validUntil', { controlled: true, items: [{ ...example.items[0], renewals: 0, supplyDays: 28 }], validUntil: '2026-12-27' }],
  ])('refuses at %s', (path, change) => {
    expect(problem(() => validatePrescription({ ...example, ...change }, ctx))).toMatchObject({ code: 'invalid_document', paths: expect.arrayContaining([path]) });
  });

  it('defaults: 3 months, or 28 days when controlled; per-item renewals from the document', () => {
    const { validUntil: _v, ...noDate } = example;
    expect(validatePrescription({ ...noDate }, ctx).validUntil).toBe('2027-02-28');
    const controlled = validatePrescription({ ...noDate, controlled: true, items: [{ ...example.items[0], renewals: undefined, supplyDays: 28 }] }, ctx);
    expect(controlled.validUntil).toBe('2026-12-26');
    const renewals = validatePrescription({ ...example, renewals: 3, items: [{ ...example.items[0], renewals: undefined }] }, ctx);
    expect(renewals.items[0]!.total).toBe(8);
  });

  it('iat window: at most the skew ahead, at most 24 h old', () => {
    expect(() => checkIssuedAtWindow(NOW / 1000 + 60, NOW, 60)).not.toThrow();
    expect(problem(() => checkIssuedAtWindow(NOW / 1000 + 61, NOW, 60))?.code).toBe('invalid_document');
    expect(problem(() => checkIssuedAtWindow(NOW / 1000 - 86_401, NOW, 60))?.code).toBe('invalid_document');
    expect(problem(() => checkIssuedAtWindow('soon', NOW, 60))?.code).toBe('invalid_document');
  });

  it('properties: EAN-13 catches every single-digit change; arbitrary JSON never throws anything but OrdoError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
        const v = '3400935955838';
        const changed = v.slice(0, pos) + String((Number(v[pos]) + delta) % 10) + v.slice(pos + 1);
        expect(ean13Valid(changed)).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const p = problem(() => validatePrescription(value, ctx));
        expect(p?.code).toBe('invalid_document');
      }),
    );
  });
});

describe('dispensing record', () => {
  const record = {
    iss: '750000001', aud: 'https://ordo.example', jti: 'd-0001', iat: NOW / 1000, prescription: '7Z3K9Q2M4N6P8R0T', claim: 'claim-0001',
    dispensedAt: '2026-11-28T10:05:00Z', dispensedBy: { id: '10007654321', name: 'Paul Hamon' }, identityCheck: 'vitale',
    lines: [{ item: 0, quantity: 1, dispensed: { system: 'CIP13', value: '3400935955838' }, substitution: null, lot: 'A123', expiry: '2028-05', reason: null, note: 'optional' }],
  };
  it("accepts the design's example", () => {
    expect(parseDispensation(record).lines[0]).toMatchObject({ item: 0, quantity: 1 });
  });
  it.each([
    ['lines.0.reason', { lines: [{ ...record.lines[0], quantity: 0 }] }],
    ['lines.1.item', { lines: [record.lines[0], record.lines[0]] }],
    ['lines.0.substitution.type', { lines: [{ ...record.lines[0], substitution: { type: 'cheaper' } }] }],
    ['lines.0.expiry', { lines: [{ ...record.lines[0], expiry: '2028-13' }] }],
    ['lines.0.dispensed.value', { lines: [{ ...record.lines[0], dispensed: { system: 'CIP13', value: '1' } }] }],
    ['dispensedAt', { dispensedAt: 'yesterday' }],
    ['lines', { lines: [] }],
  ])('refuses at %s', (path, change) => {
    expect(problem(() => parseDispensation({ ...record, ...change }))).toMatchObject({ code: 'invalid_document', paths: expect.arrayContaining([path]) });
  });
  it('dispensedAt: up to 72 h back, never in the future', () => {
    expect(() => checkDispensedAtWindow(NOW - 72 * 3600_000, NOW)).not.toThrow();
    expect(problem(() => checkDispensedAtWindow(NOW - 72 * 3600_000 - 1, NOW))?.code).toBe('invalid_document');
    expect(problem(() => checkDispensedAtWindow(NOW + 61_000, NOW))?.code).toBe('invalid_document');
  });
});
