/**
 * The form's state (a draft), kept in sessionStorage so that a reload of the tab gives it back
 * (it ends with the tab, and is removed once the prescription is issued; never a key), and
 * turned into the prescription document (docs/design.md § The prescription document).
 */
import { blankPractice, type Practice, type RxContent } from './content.js';

/** The INS built on the NIR (docs/design.md § The prescription document: `patient.ins.oid`). */
export const INS_NIR_OID = '1.2.250.1.213.1.4.8';

export type LineDraft = {
  id: number; system: string; value: string; label: string; activeIngredient: string; dosage: string; quantity: string; unit: string;
  supplyDays: string; ownRenewals: boolean; renewals: string; substitutable: boolean; substitutionReason: string;
};

export type Draft = {
  family: string; given: string; birthDate: string; sex: string; ins: string; insQualified: boolean; weightKg: string;
  practice: Practice;
  lines: LineDraft[];
  renewals: string; validUntil: string; controlled: boolean; notes: string;
  /** Renewing: the prescription this one replaces, and its date of issue (for the notice). */
  replaces: { id: string; issuedAt: string } | null;
};

let nextLine = 1;
export const blankLine = (): LineDraft => ({
  id: nextLine++, system: 'CIP13', value: '', label: '', activeIngredient: '', dosage: '', quantity: '1', unit: 'boîte',
  supplyDays: '', ownRenewals: false, renewals: '0', substitutable: true, substitutionReason: '',
});
export const blankDraft = (practice: Practice = blankPractice()): Draft => ({
  family: '', given: '', birthDate: '', sex: '', ins: '', insQualified: false, weightKg: '', practice,
  lines: [blankLine()], renewals: '0', validUntil: '', controlled: false, notes: '', replaces: null,
});

const STORAGE = 'ordo.prescribe.draft';

/** The draft of this tab, if it has one (survives a reload, not the tab). */
export function loadDraft(): Draft | null {
  try {
    const d = JSON.parse(sessionStorage.getItem(STORAGE) ?? 'null') as Draft | null;
    if (!d || !Array.isArray(d.lines) || d.lines.length === 0) return null;
    nextLine = Math.max(nextLine, ...d.lines.map((l) => l.id + 1));
    return { ...blankDraft(), ...d, practice: { ...blankPractice(), ...d.practice } };
  } catch {
    return null;
  }
}
export const saveDraft = (d: Draft) => sessionStorage.setItem(STORAGE, JSON.stringify(d));
export const clearDraft = () => sessionStorage.removeItem(STORAGE);

/** Whether anything was typed for a patient or a line (a draft worth keeping). */
export const isEmpty = (d: Draft) => !d.family && !d.given && !d.birthDate && d.lines.every((l) => !l.value && !l.label && !l.dosage);

const str = (n: number | undefined) => (n === undefined ? '' : String(n));

/** A draft prefilled from an earlier prescription (renewing): same patient, lines and practice. */
export function draftFrom(content: RxContent, replaces: { id: string; issuedAt: string }, practice: Practice): Draft {
  const p = content.patient;
  const structure = content.prescriber?.structure;
  return {
    ...blankDraft(),
    family: p.family, given: p.given.join(' '), birthDate: p.birthDate, sex: p.sex ?? '', ins: p.ins?.value ?? '', insQualified: p.ins?.qualified ?? false, weightKg: str(p.weightKg),
    practice: structure ? { name: structure.name ?? '', address: structure.address ?? '', phone: structure.phone ?? '' } : practice,
    lines: content.items.map((i) => ({
      ...blankLine(), system: i.code.system, value: i.code.system === 'text' ? '' : i.code.value, label: i.label, activeIngredient: i.activeIngredient ?? '', dosage: i.dosage,
      quantity: String(i.quantity), unit: i.unit, supplyDays: str(i.supplyDays), ownRenewals: i.renewals !== undefined, renewals: str(i.renewals ?? content.renewals ?? 0),
      substitutable: i.substitutable !== false, substitutionReason: i.substitutionReason ?? '',
    })),
    renewals: str(content.renewals ?? 0), controlled: content.controlled ?? false, notes: content.notes ?? '', replaces,
  };
}

const num = (s: string) => (s.trim() === '' ? undefined : Number(s.replace(',', '.')));
const text = (s: string) => s.trim();

/** The document to sign: only what was filled in; `prescriber` from the directory and the practice. */
export function toDocument(d: Draft, prescriber: { name?: string | null; profession?: string | null }): RxContent & Record<string, unknown> {
  const weight = num(d.weightKg);
  const structure = { ...(text(d.practice.name) && { name: text(d.practice.name) }), ...(text(d.practice.address) && { address: text(d.practice.address) }), ...(text(d.practice.phone) && { phone: text(d.practice.phone) }) };
  const who = { ...(prescriber.name && { name: prescriber.name }), ...(prescriber.profession && { profession: prescriber.profession }), ...(Object.keys(structure).length > 0 && { structure }) };
  return {
    ...(Object.keys(who).length > 0 && { prescriber: who }),
    patient: {
      family: text(d.family),
      given: d.given.split(/\s+/).filter(Boolean),
      birthDate: d.birthDate,
      ...(d.sex && { sex: d.sex }),
      ...(text(d.ins) && { ins: { value: text(d.ins), oid: INS_NIR_OID, qualified: d.insQualified } }),
      ...(weight !== undefined && { weightKg: weight }),
    },
    items: d.lines.map((l) => ({
      code: { system: l.system, value: l.system === 'text' ? text(l.label) : text(l.value) },
      label: text(l.label),
      ...(text(l.activeIngredient) && { activeIngredient: text(l.activeIngredient) }),
      dosage: text(l.dosage),
      quantity: Number(l.quantity),
      unit: text(l.unit),
      ...(num(l.supplyDays) !== undefined && { supplyDays: num(l.supplyDays) }),
      ...(l.ownRenewals && num(l.renewals) !== undefined && { renewals: num(l.renewals) }),
      substitutable: l.substitutable,
      ...(!l.substitutable && l.substitutionReason && { substitutionReason: l.substitutionReason }),
    })),
    renewals: num(d.renewals) ?? 0,
    controlled: d.controlled,
    ...(d.validUntil && { validUntil: d.validUntil }),
    ...(text(d.notes) && { notes: text(d.notes) }),
    ...(d.replaces && { replaces: d.replaces.id }),
  };
}
