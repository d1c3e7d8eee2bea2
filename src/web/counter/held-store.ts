/**
 * What this browser keeps of a prescription it claimed, so that it can be dispensed later from
 * the held list without scanning again: the claim, the prescription's id, what the dispensing
 * form needs (patient, items, prescriber, validity, what was left when last seen). Never the
 * code: dispense, extend and release go by claim id. One record a claim (`held:<claim id>`),
 * deleted when the claim ends, and all of them when the key is forgotten (patient data at rest
 * on a shared counter computer).
 */
import type { Remaining } from '../../client/client.js';
import { deleteLocal, listLocal, loadLocal, saveLocal } from '../keystore.js';
import type { Content } from '../ui.js';

export type HeldRecord = {
  /** The pharmacy whose claim it is (a record of another key is not shown). */
  pharmacyId: string;
  claim: { id: string; expiresAt: string };
  prescriptionId: string;
  content: Pick<Content, 'patient' | 'items'>;
  prescriber: { id: string; name: string | null };
  validUntil: string;
  /** As last known (at the claim, or after a dispense). */
  remaining: Remaining;
  nextDueAt: string | null;
};

const PREFIX = 'held:';

export const saveHeld = (r: HeldRecord) => saveLocal(`${PREFIX}${r.claim.id}`, r);
export const loadHeld = (claimId: string) => loadLocal<HeldRecord>(`${PREFIX}${claimId}`);
export const deleteHeld = (claimId: string) => deleteLocal(`${PREFIX}${claimId}`);

/** This pharmacy's records. */
export async function listHeld(pharmacyId: string): Promise<HeldRecord[]> {
  return (await listLocal<HeldRecord>(PREFIX)).map((r) => r.value).filter((v) => v.pharmacyId === pharmacyId);
}

/** Every record of this browser, whichever pharmacy's (when the key is forgotten). */
export async function forgetAllHeld(): Promise<void> {
  for (const r of await listLocal<HeldRecord>(PREFIX)) await deleteLocal(r.name);
}

/** Updates a record if there is one (a new expiry, what is left); no record is created here. */
export async function updateHeld(claimId: string, change: Partial<HeldRecord>): Promise<void> {
  const r = await loadHeld(claimId);
  if (r) await saveHeld({ ...r, ...change });
}
