/** Parts of answers that several steps give: the code (and its image), the opened prescription. */
import type { Deps } from '../deps.js';
import { decodeBase64url } from '../lib/base64url.js';
import type { PrescriptionRow } from '../store/types.js';
import { codeView } from './code-access.js';
import { dataMatrixField } from './datamatrix.js';

const utf8 = new TextDecoder();
/** The payload of a compact JWS Ordo accepted (and so parsed) before. */
const payloadOf = (jws: string) => JSON.parse(utf8.decode(decodeBase64url(jws.split('.')[1]!))) as Record<string, unknown>;

/** The prescription's current code, with its DataMatrix when asked for. */
export async function codeAnswer(deps: Deps, row: PrescriptionRow, datamatrix?: 'svg' | 'png') {
  const code = await codeView(deps, row);
  return { ...code, ...(datamatrix && { datamatrix: await dataMatrixField(code.payload, datamatrix) }) };
}

/**
 * The prescription as its code holder (patient, claiming pharmacy) sees it: the prescriber's
 * signed document and its payload, and the prescriber as the directory names them. `document`
 * is null when the sealed document does not open (damaged storage).
 */
export async function openedPrescription<D extends string | null>(deps: Deps, row: PrescriptionRow, document: D) {
  const prescriber = await deps.store.getActor(row.prescriberId);
  return {
    id: row.id,
    document,
    content: (document === null ? null : payloadOf(document)) as D extends string ? Record<string, unknown> : Record<string, unknown> | null,
    prescriber: { id: row.prescriberId, name: prescriber?.name ?? null, profession: prescriber?.profession ?? null, specialty: prescriber?.specialty ?? null },
    issuedAt: row.issuedAt,
    validUntil: row.validUntil,
  };
}
