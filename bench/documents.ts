/** Realistic documents for the benchmark: 1–3 items with valid CIP13 codes, like a GP's prescription. */
import { ean13Valid } from '../src/domain/formats.js';

const cip13 = (prefix12: string) => {
  for (let d = 0; d < 10; d++) if (ean13Valid(`${prefix12}${d}`)) return `${prefix12}${d}`;
  throw new Error('unreachable');
};

const MEDICINES = [
  ['340093595583', 'Paracétamol 1 g, comprimé', 'paracétamol', '1 comprimé 3 fois par jour si douleur'],
  ['340093000001', 'Ibuprofène 400 mg, comprimé pelliculé', 'ibuprofène', '1 comprimé matin et soir au cours des repas'],
  ['340093000002', 'Amoxicilline 1 g, comprimé dispersible', 'amoxicilline', '1 comprimé matin et soir pendant 6 jours'],
  ['340093000003', 'Oméprazole 20 mg, gélule gastro-résistante', 'oméprazole', '1 gélule le matin à jeun'],
  ['340093000004', 'Métformine 850 mg, comprimé pelliculé', 'metformine', '1 comprimé matin et soir'],
  ['340093000005', 'Amlodipine 5 mg, gélule', 'amlodipine', '1 gélule le matin'],
] as const;

/**
 * A prescription payload (without iss/aud/jti/iat, which the SDK fills in). Quantities are large
 * and renewals many, with no pace, so that a benchmark can dispense from it thousands of times.
 */
export function rxDocument(items: number, n = 0): Record<string, unknown> {
  return {
    prescriber: { name: 'Dr Claire Roussel', profession: 'médecin', structure: { id: '750012345', name: 'Cabinet des Lilas', address: '12 rue des Lilas, 75020 Paris', phone: '01 43 00 00 00' } },
    patient: { family: `Martin-${n}`, given: ['Jeanne', 'Marie'], birthDate: '1948-03-12', sex: 'female', ins: { value: '248037512345678', oid: '1.2.250.1.213.1.4.8', qualified: true }, weightKg: 61 },
    items: Array.from({ length: items }, (_, i) => {
      const [code, label, activeIngredient, dosage] = MEDICINES[(n + i) % MEDICINES.length]!;
      return { code: { system: 'CIP13', value: cip13(code) }, label, activeIngredient, dosage, quantity: 1000, unit: 'boîte', renewals: 11, substitutable: true };
    }),
    renewals: 0,
    notes: 'Renouvellement à la demande du patient.',
  };
}
