/**
 * The closed vocabularies of the documents and the formats of medicine codes (design: "Formats"),
 * without zod, so the pages can check a code as it is typed without carrying the schemas.
 */

/**
 * An actor id, as the directory, the request tokens (`iss`) and the documents name an actor:
 * 1 to 64 of A-Z a-z 0-9 . _ - (an RPPS or FINESS number fits). No `g` flag, so `test` keeps
 * no state and the one RegExp can be shared.
 */
export const ACTOR_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** EAN-13 check digit (the CIP13's): weights 1, 3, 1, 3… over the first 12 digits. */
export function ean13Valid(value: string): boolean {
  if (!/^\d{13}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(value[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(value[12]);
}

/**
 * The NIR key: 97 − (the first 13 digits mod 97), the last two of the 15. INS values are all
 * digits (Corsica's 2A/2B never reach us), so no substitution is needed.
 */
export function nirKeyValid(value: string): boolean {
  if (!/^\d{15}$/.test(value)) return false;
  return 97n - (BigInt(value.slice(0, 13)) % 97n) === BigInt(value.slice(13));
}

/** ATC levels: anatomical group, therapeutic, pharmacological, chemical, substance (N, N02, N02B, N02BE, N02BE01). */
const ATC = /^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$/;

export const codeSystems = ['CIP13', 'CIP7', 'UCD', 'ATC', 'LPP', 'text'] as const;
export type CodeSystem = (typeof codeSystems)[number];

export const formats: Record<CodeSystem, { test: (v: string) => boolean; expected: string }> = {
  CIP13: { test: ean13Valid, expected: '13 digits ending with a valid EAN-13 check digit' },
  CIP7: { test: (v) => /^\d{7}$/.test(v), expected: '7 digits' },
  UCD: { test: (v) => /^(\d{7}|\d{13})$/.test(v), expected: '7 or 13 digits' },
  ATC: { test: (v) => ATC.test(v), expected: 'an ATC code of one of the levels N, N02, N02B, N02BE, N02BE01' },
  LPP: { test: (v) => /^\d{7}$/.test(v), expected: '7 digits' },
  // For `text` the prescription also requires value = label (checked where the label is known).
  text: { test: (v) => v.trim() !== '', expected: 'the label itself, not blank' },
};

/** Why a line was not delivered (quantity 0). */
export const dispensingReasons = ['out_of_stock', 'patient_refused', 'already_supplied', 'intervention'] as const;

/** Whether `value` fits `system`'s format; `expected` says what it should look like. */
export function checkMedicineCode(system: string, value: string): { ok: boolean; expected: string } {
  const f = formats[system as CodeSystem];
  if (!f) return { ok: false, expected: `one of ${codeSystems.join(', ')}` };
  return { ok: value.length > 0 && value.length <= 200 && f.test(value), expected: f.expected };
}
