/**
 * The actor's key in the browser. The private JWK file is read once, imported with WebCrypto as
 * non-extractable (no script, ours included, can read it back), and the CryptoKey object is kept
 * in IndexedDB. Nothing of it is ever sent: only signatures leave the page.
 */
import { calculateJwkThumbprint, type JWK } from 'jose';
import { publicJwkOf } from '../client/keys.js';
import { algOfJwk } from '../crypto/keys.js';
import type { SigningKey } from '../client/sign.js';

export type Role = 'prescriber' | 'pharmacy';
export type StoredKey = { actorId: string; key: SigningKey };

const DB = 'ordo';
const STORE = 'keys';
/** What a page keeps for itself between visits (a held prescription's lines, an issued sheet): never a key, never sent. */
const LOCAL = 'local';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 2);
    req.onupgradeneeded = () => {
      const names = req.result.objectStoreNames;
      if (!names.contains(STORE)) req.result.createObjectStore(STORE);
      if (!names.contains(LOCAL)) req.result.createObjectStore(LOCAL);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run<T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest, store = STORE): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const req = f(db.transaction(store, mode).objectStore(store));
      req.onsuccess = () => resolve(req.result as T);
      req.onerror = () => reject(req.error);
    });
  } finally {
    db.close();
  }
}

/** Imports a private JWK (file text) as a non-extractable signing key. Throws on anything else. */
export async function importPrivateJwk(text: string): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error('not JSON');
  }
  const alg = algOfJwk(jwk);
  if (!alg || typeof jwk.d !== 'string') throw new Error('not a private Ed25519 or P-256 JWK');
  const ed = alg === 'EdDSA';
  const { kid: _kid, alg: _alg, key_ops: _ops, ext: _ext, use: _use, ...material } = jwk;
  const params = ed ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await crypto.subtle.importKey('jwk', material as JsonWebKey, params, false, ['sign']);
  const publicJwk = publicJwkOf(jwk);
  return { kid: await calculateJwkThumbprint(publicJwk, 'sha256'), alg, privateKey, publicJwk };
}

export const saveKey = (role: Role, value: StoredKey) => run<IDBValidKey>('readwrite', (s) => s.put(value, role));
export const loadKey = (role: Role) => run<StoredKey | undefined>('readonly', (s) => s.get(role));
export const forgetKey = (role: Role) => run<undefined>('readwrite', (s) => s.delete(role));

/** The page's own records, by name (`held:<claim id>`, `sheet:<prescription id>`, …). */
export const saveLocal = (name: string, value: unknown) => run<IDBValidKey>('readwrite', (s) => s.put(value, name), LOCAL);
export const loadLocal = <T>(name: string) => run<T | undefined>('readonly', (s) => s.get(name), LOCAL);
export const deleteLocal = (name: string) => run<undefined>('readwrite', (s) => s.delete(name), LOCAL);
/** Every record whose name begins with `prefix`, with its name. */
export const listLocal = async <T>(prefix: string): Promise<{ name: string; value: T }[]> => {
  const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  const [names, values] = await Promise.all([run<IDBValidKey[]>('readonly', (s) => s.getAllKeys(range), LOCAL), run<T[]>('readonly', (s) => s.getAll(range), LOCAL)]);
  return names.map((name, i) => ({ name: String(name), value: values[i]! }));
};
