/** A prescription's trace as its code holder gets it, and its verification with what is public. */
import type { V1DirectoryEntry, V1Jwks, V1Lookup } from '../../src/contract/index.js';
import { verifyTrace, type TraceResult } from '../../src/domain/verify-trace.js';
import { ISSUER, type Harness } from './harness.js';

export async function lookupByCode(h: Harness, code: string) {
  const res = await h.send('POST', '/v1/lookup', { body: JSON.stringify({ code }) });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as V1Lookup };
}

/** Verifies a lookup's trace against the directory records of every actor in it and Ordo's JWKS. */
export async function verifyLookup(h: Harness, look: V1Lookup): Promise<TraceResult> {
  const ids = [...new Set(look.events.flatMap((e) => (e.actor === 'ordo' ? [] : [e.actor.id])))];
  const directory = await Promise.all(ids.map(async (id) => (await (await h.send('GET', `/v1/directory/${id}`)).json()) as V1DirectoryEntry));
  const ordoJwks = (await (await h.send('GET', '/.well-known/jwks.json')).json()) as V1Jwks;
  return verifyTrace({ prescriptionId: look.prescription.id, events: look.events, directory, ordoJwks, issuer: ISSUER });
}

export const verifyByCode = async (h: Harness, code: string) => verifyLookup(h, (await lookupByCode(h, code)).body);
