/**
 * The documents the checks prescribe: an invented patient (no real person's data is ever needed
 * to check a deployment) and ordinary items.
 */
export const testPatient = { family: 'Conformance', given: ['Test'], birthDate: '1948-03-12' };

export const paracetamol = { code: { system: 'CIP13', value: '3400935955838' }, label: 'Paracétamol 1 g', dosage: '1 cp x3', quantity: 2, unit: 'boîte' };

export const stockings = { code: { system: 'text', value: 'Bas de contention' }, label: 'Bas de contention', dosage: 'le jour', quantity: 4, unit: 'paire' };
