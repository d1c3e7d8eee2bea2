/** Medicine and device codes, checked against their system's format. */
import { z } from 'zod';

/** EAN-13 check digit: weights 1, 3, 1, 3… over the first 12 digits. */
export function ean13Valid(value: string): boolean {
  if (!/^\d{13}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(value[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(value[12]);
}

/** ATC levels: N, N02, N02B, N02BE, N02BE01. */
const ATC = /^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$/;

const formats: Record<string, { test: (v: string) => boolean; message: string }> = {
  CIP13: { test: ean13Valid, message: 'CIP13: 13 digits with a valid EAN-13 check digit' },
  CIP7: { test: (v) => /^\d{7}$/.test(v), message: 'CIP7: 7 digits' },
  UCD: { test: (v) => /^(\d{7}|\d{13})$/.test(v), message: 'UCD: 7 or 13 digits' },
  ATC: { test: (v) => ATC.test(v), message: 'ATC: a code like N, N02, N02B, N02BE or N02BE01' },
  LPP: { test: (v) => /^\d{7}$/.test(v), message: 'LPP: 7 digits' },
  text: { test: (v) => v.trim().length > 0, message: 'text: the label itself' },
};

export const codeSystems = ['CIP13', 'CIP7', 'UCD', 'ATC', 'LPP', 'text'] as const;

export const medicineCodeSchema = z
  .object({ system: z.enum(codeSystems), value: z.string().min(1).max(200) })
  .strict()
  .superRefine((c, ctx) => {
    const f = formats[c.system]!;
    if (!f.test(c.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: `not a valid ${f.message}` });
  });

export type MedicineCode = z.infer<typeof medicineCodeSchema>;

/** Zod issues as `{ path, message }`, the form problem documents carry. */
export const issuesOf = (e: z.ZodError) => e.issues.map((i) => ({ path: i.path.join('.') || '(document)', message: i.message }));
