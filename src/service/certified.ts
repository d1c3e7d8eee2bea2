/**
 * What a certified key needs on every signed request besides its signature (docs/design.md §
 * Certified practitioners): the time inside its certificate's validity, and a revocation list
 * still in force (nextUpdate + ORDO_CRL_GRACE) from every CA that speaks for it. The dates of the
 * kept lists are read at most every 30 s per process: a list loaded through another process is
 * seen here within that time, one loaded through this one at once.
 */
import { verifyCrl, type Anchor } from '../crypto/x509/index.js';
import { OrdoError } from '../domain/errors.js';
import type { Deps } from '../deps.js';
import type { KeyRow, Store } from '../store/types.js';

const DATES_TTL = 30_000;

type CrlDates = { ca: string; thisUpdate: string; nextUpdate: string | null };
const dates = new WeakMap<Store, { readAt: number; byCa: Map<string, CrlDates> }>();

/** The kept lists' dates by CA, read again when older than 30 s (or forgotten by a load). */
async function crlDates(deps: Deps): Promise<Map<string, CrlDates>> {
  const now = Date.now();
  const known = dates.get(deps.store);
  if (known && now - known.readAt < DATES_TTL) return known.byCa;
  const byCa = new Map((await deps.store.crlDates()).map((d) => [d.ca, d]));
  dates.set(deps.store, { readAt: now, byCa });
  return byCa;
}

/** After a list is loaded here: the next check reads the dates again. */
export function forgetCrlDates(store: Store) {
  dates.delete(store);
}

export const caName = (anchors: Anchor[], ca: string) => anchors.find((a) => a.id === ca)?.subject ?? `CA ${ca}`;

/** Throws 403 revocation_unknown unless every CA of `cas` has a kept list in force at `now`. */
export async function requireFreshCrls(deps: Deps, cas: string[]) {
  const now = deps.clock();
  const byCa = await crlDates(deps);
  for (const ca of cas) {
    const d = byCa.get(ca);
    const name = caName(deps.config.pki.anchors, ca);
    if (!d) throw new OrdoError('revocation_unknown', `No revocation list of ${name} is loaded: Ordo cannot tell whether this certificate is revoked. The registrar must load one (POST /v1/admin/crl).`);
    if (d.nextUpdate !== null && Date.parse(d.nextUpdate) + deps.config.pki.crlGraceMs < now) {
      throw new OrdoError('revocation_unknown', `The revocation list of ${name} was due for renewal on ${d.nextUpdate} and is past ORDO_CRL_GRACE: the registrar must load a newer one (POST /v1/admin/crl).`);
    }
  }
}

/** Why a certified key cannot sign at `now` (outside its certificate's validity); null when it can, or for a raw-JWK key. */
export function outsideValidity(key: KeyRow, now: number): string | null {
  if (key.validFrom !== null && now < Date.parse(key.validFrom)) return `this key's certificate is valid from ${key.validFrom}`;
  if (key.validUntil !== null && now > Date.parse(key.validUntil)) return `this key's certificate expired on ${key.validUntil}`;
  return null;
}

/**
 * The checks of a certified key when it signs (nothing for a raw-JWK key): `refuse` names the
 * error outside its validity (401 for a token, 422 bad_signature for a document); 403
 * revocation_unknown when a list that speaks for it is stale.
 */
export async function checkCertifiedKey(deps: Deps, key: KeyRow, refuse: (why: string) => OrdoError = (why) => new OrdoError('unauthenticated', `Request token: ${why}.`)) {
  if (key.cas === null) return;
  const why = outsideValidity(key, deps.clock());
  if (why) throw refuse(why);
  await requireFreshCrls(deps, JSON.parse(key.cas) as string[]);
}

/** Revoked serials of the kept list of each CA, by the list's thisUpdate: parsed once per list and process. */
const revokedSets = new Map<string, { thisUpdate: string; revoked: Map<string, string> }>();

/** The revocation date of the certificate `serial` of `ca` in the kept list, if it is listed. */
export async function revokedAt(deps: Deps, ca: string, serial: string): Promise<string | undefined> {
  const d = (await crlDates(deps)).get(ca);
  if (!d) return undefined;
  let set = revokedSets.get(ca);
  if (!set || set.thisUpdate !== d.thisUpdate) {
    const [row] = await deps.store.getCrls([ca]);
    if (!row) return undefined;
    const crl = await verifyCrl(deps.config.pki.anchors, row.der, { now: deps.clock(), allowStale: true });
    set = { thisUpdate: row.thisUpdate, revoked: new Map(crl.revoked.map((r) => [r.serial, r.at])) };
    revokedSets.set(ca, set);
  }
  return set.revoked.get(serial);
}
