/**
 * What a test holding the token key can open in a database it reads directly: a prescription's
 * sealed terms, exactly as Ordo opens them (src/service/sealed-terms.ts).
 */
import { base64url } from 'jose';
import { loadTokenKey } from '../../src/crypto/ordo-keys.js';
import type { Deps } from '../../src/deps.js';
import { nodeSuite } from '../../src/node/crypto-suite.js';
import { termsOf } from '../../src/service/sealed-terms.js';
import { unpackSealed } from '../../src/store/codec.js';
import type { PrescriptionRow } from '../../src/store/types.js';

/** A row as read with SQL: the terms packed (a Buffer, store/codec.ts) or, from before packing, text. */
export type StoredRow = Pick<PrescriptionRow, 'id' | 'codeVersion' | 'tokenKeyId'> & { terms: string | Uint8Array };

/** The terms of `row`, opened with the token key (base64url, as in ORDO_TOKEN_KEY or the secrets folder's `token-key`). */
export async function openStoredTerms(tokenKey: string, row: StoredRow) {
  const deps = { crypto: nodeSuite, keys: { tokenKey: await loadTokenKey(base64url.decode(tokenKey)) }, log: () => {} } as unknown as Deps;
  return termsOf(deps, { ...row, terms: unpackSealed(row.terms, row.id, 'terms') });
}
