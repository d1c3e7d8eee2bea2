/**
 * FHIR R4 export: the prescriber's view and the code holder's lookup, each gathered by its own
 * service (same access rules, same failed-code limit, same errors), then mapped by src/fhir.
 * Nothing is read here that those views do not read, but the public directory entries of the
 * pharmacies the holder's trace names.
 */
import { isoAt } from '../domain/events.js';
import type { Deps } from '../deps.js';
import { holderBundle, prescriberBundle, type OrdoBundle } from '../fhir/bundle.js';
import type { DirectoryActor } from '../fhir/source.js';
import type { Caller } from './caller.js';
import { lookup } from './lookup.js';
import { prescriberView } from './view.js';

const entryOf = (a: { id: string; name: string | null; profession: string | null; specialty: string | null }): DirectoryActor => ({ id: a.id, name: a.name, profession: a.profession, specialty: a.specialty });

/** GET /v1/prescriptions/{id}/fhir: the prescriber's own prescription (404 for anyone else's). */
export async function prescriberFhir(deps: Deps, caller: Caller, id: string): Promise<OrdoBundle> {
  const { view } = await prescriberView(deps, caller, id);
  // Without If-None-Match the view is always answered.
  if (!view) throw new Error('prescriberView answered no view without If-None-Match');
  return prescriberBundle({ issuer: deps.config.issuer, now: isoAt(deps.clock()), view, prescriber: entryOf(caller.actor) });
}

/** POST /v1/lookup/fhir: whoever holds the code; failed codes count as for POST /v1/lookup. */
export async function holderFhir(deps: Deps, code: string, clientAddress: string): Promise<OrdoBundle> {
  const answer = await lookup(deps, code, clientAddress);
  const ids = [...new Set(answer.events.flatMap((e) => (e.actor !== 'ordo' && e.actor.kind === 'pharmacy' ? [e.actor.id] : [])))];
  const actors = await Promise.all(ids.map(async (id) => (await deps.store.getActor(id)) ?? { id, name: null, profession: null, specialty: null }));
  return holderBundle({ issuer: deps.config.issuer, now: isoAt(deps.clock()), lookup: answer, pharmacies: actors.map(entryOf) });
}
