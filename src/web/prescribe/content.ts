/**
 * What the page keeps for itself in IndexedDB (keystore.ts `saveLocal`), never a code or a key:
 * - `sheet:<id>`: the content of a prescription (patient, lines, practice) issued from this
 *   browser, or fetched once for a row opened here, to label the list and print again. Ordo
 *   answers no patient or medicine in the list (the content is sealed under the code), so without
 *   it a row shows only its state and counts.
 * - `practice`: the practice's name, address and phone, for the next prescriptions.
 * A row this browser has not seen is fetched on demand only (reprint without rotating answers the
 * current code, lookup the content), never for every row on load.
 */
import type { OrdoClient } from '../../client/client.js';
import { OrdoProblemError } from '../../client/errors.js';
import { deleteLocal, loadLocal, saveLocal } from '../keystore.js';

/** The prescription document as the page reads it (the members the form writes). */
export type RxContent = {
  prescriber?: { name?: string; profession?: string; structure?: { name?: string; address?: string; phone?: string } };
  patient: { family: string; given: string[]; birthDate: string; sex?: string; ins?: { value: string; oid: string; qualified: boolean }; weightKg?: number };
  items: {
    code: { system: string; value: string }; label: string; activeIngredient?: string; dosage: string; quantity: number; unit: string;
    supplyDays?: number; renewals?: number; substitutable?: boolean; substitutionReason?: string;
  }[];
  renewals?: number; validUntil?: string; controlled?: boolean; notes?: string; replaces?: string | null;
};

export type Practice = { name: string; address: string; phone: string };
export const blankPractice = (): Practice => ({ name: '', address: '', phone: '' });

/** A sheet kept by this browser: its content and, once cancelled from here, the reason sent. */
export type Kept = { content: RxContent; cancelReason?: string };

/** The content without the signed claims that say nothing to a reader (iss, aud, jti, iat). */
function contentOf(doc: Record<string, unknown>): RxContent {
  const { iss: _iss, aud: _aud, jti: _jti, iat: _iat, ...content } = doc;
  return content as unknown as RxContent;
}

export const keepSheet = (id: string, kept: Kept) => saveLocal(`sheet:${id}`, { ...kept, content: contentOf(kept.content as unknown as Record<string, unknown>) });
export const keptSheet = (id: string) => loadLocal<Kept>(`sheet:${id}`);
export const forgetSheet = (id: string) => deleteLocal(`sheet:${id}`);

/**
 * The content of one of the prescriber's prescriptions: kept here, or else read with its current
 * code (reprint without rotating, then lookup) and kept for next time. `code` saves the reprint
 * when the caller has just got it.
 */
export async function contentFor(client: OrdoClient, id: string, code?: string): Promise<Kept> {
  const kept = await keptSheet(id).catch(() => undefined);
  if (kept) return kept;
  const current = code ?? (await client.reprint(id)).code;
  const look = await client.lookup(current);
  // A sealed copy that does not open: said as Ordo says it (problem.record_unreadable), not as a developer would.
  if (!look.prescription.content) throw new OrdoProblemError({ type: 'about:blank', title: 'Record unreadable', status: 500, detail: '', code: 'record_unreadable' });
  const fetched: Kept = { content: contentOf(look.prescription.content), ...(look.cancelReason && { cancelReason: look.cancelReason }) };
  await keepSheet(id, fetched);
  return fetched;
}

export const loadPractice = async (): Promise<Practice> => ({ ...blankPractice(), ...(await loadLocal<Practice>('practice').catch(() => undefined)) });
export const savePractice = (p: Practice) => saveLocal('practice', p);
