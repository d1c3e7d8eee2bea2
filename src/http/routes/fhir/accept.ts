/**
 * The media type of a FHIR answer: `application/fhir+json`, unless the client accepts
 * `application/json` and not FHIR's own type (nor any type: `*\/*`, `application/*`), when it gets
 * the same bytes as `application/json`. Anything else still gets `application/fhir+json`: never
 * 406 (docs/fhir.md).
 */
import { FHIR_JSON, type V1FhirBundle } from '../../../contract/fhir.js';

export function fhirMediaType(accept: string | undefined): typeof FHIR_JSON | 'application/json' {
  if (!accept) return FHIR_JSON;
  const types = accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, q: q ? Number(q.slice(2)) : 1 };
  });
  const accepted = (t: string) => types.some((x) => x.type === t && x.q > 0);
  if (accepted(FHIR_JSON) || accepted('*/*') || accepted('application/*')) return FHIR_JSON;
  return accepted('application/json') ? 'application/json' : FHIR_JSON;
}

/** A bundle typed as the contract's frame: the route then checks its answer against the Bundle schema, not FHIR's every resource. */
export const contractBundle = <B extends Omit<V1FhirBundle, 'entry'> & { entry: { fullUrl: string; resource: { resourceType: string; id: string } }[] }>(bundle: B): V1FhirBundle =>
  ({ ...bundle, entry: bundle.entry.map((e) => ({ fullUrl: e.fullUrl, resource: { ...e.resource } })) });
