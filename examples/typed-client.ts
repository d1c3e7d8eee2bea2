/**
 * A client typed by Ordo's OpenAPI document, with openapi-fetch. Generate the types first:
 *
 *   npx openapi-typescript http://localhost:8787/openapi.json -o ordo-api.d.ts
 *
 * Paths, parameters, bodies and answers all come from the document: a wrong path, a missing
 * member or a misspelt field does not compile.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './ordo-api.js';

export type Problem = components['schemas']['Problem'];
export type Status = components['schemas']['PrescriptionStatus'];

/** What a patient's app shows for a code: its state, what is left, who prescribed it, the log's size. */
export async function showPrescription(baseUrl: string, code: string) {
  const ordo = createClient<paths>({ baseUrl });

  // The code travels in the body, never in a URL. A refusal is a Problem: switch on its code.
  const { data, error } = await ordo.POST('/v1/lookup', { body: { code } });
  if (error) return { problem: error.code, detail: error.detail };

  const prescriberId = data.prescription.prescriber.id;
  const { data: prescriber } = await ordo.GET('/v1/directory/{actorId}', { params: { path: { actorId: prescriberId } } });
  const { data: checkpoint } = await ordo.GET('/log/checkpoint', { parseAs: 'text' });

  const status: Status = data.status;
  return {
    status,
    left: data.remaining.map((r) => `item ${r.item}: ${r.remaining} of ${r.total}`),
    prescriber: prescriber?.name ?? prescriberId,
    activeKeys: prescriber?.keys.filter((k) => k.status === 'active').length ?? 0,
    logSize: checkpoint ? Number(checkpoint.split('\n')[1]) : null,
  };
}
