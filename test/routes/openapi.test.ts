/**
 * The OpenAPI document is complete enough to generate a client from: every operation of the live
 * /openapi.json has a unique, stable operationId, a tag, a summary, and examples for its JSON
 * request body and success answers; and docs/api.md lists exactly Ordo's problem codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdoError, problemCodes, type ProblemCode } from '../../src/domain/errors.js';
import { problemDocument } from '../../src/http/problem.js';
import { makeHarness } from '../support/harness.js';

type Media = { schema?: { $ref?: string; example?: unknown }; example?: unknown; examples?: Record<string, unknown> };
type Operation = { operationId?: string; tags?: string[]; summary?: string; requestBody?: { content?: Record<string, Media> }; responses: Record<string, { content?: Record<string, Media> }> };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { example?: unknown }> } };

const h = await makeHarness();
afterAll(() => h.close());
const res = await h.send('GET', '/openapi.json');
const doc = (await res.json()) as Doc;
const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, op })));

/** An example in the media type, or on its schema (a component's, through its `$ref`). */
function hasExample(media: Media) {
  if (media.example !== undefined || Object.keys(media.examples ?? {}).length) return true;
  const schema = media.schema?.$ref ? doc.components.schemas[media.schema.$ref.replace('#/components/schemas/', '')] : media.schema;
  return schema?.example !== undefined;
}

describe('/openapi.json', () => {
  it('is OpenAPI 3.1 with operations', () => {
    expect(res.status).toBe(200);
    expect(doc).toMatchObject({ openapi: '3.1.0' });
    expect(operations.length).toBeGreaterThan(20);
  });

  it('gives every operation a unique camelCase operationId', () => {
    expect(operations.filter(({ op }) => !op.operationId).map((o) => o.at), 'operations without an operationId').toEqual([]);
    expect(operations.filter(({ op }) => op.operationId && !/^[a-z][A-Za-z0-9]*$/.test(op.operationId)).map((o) => `${o.at}: ${o.op.operationId}`)).toEqual([]);
    const ids = operations.map(({ op }) => op.operationId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'operationIds used twice').toEqual([]);
  });

  it('gives every operation a tag and a summary', () => {
    expect(operations.filter(({ op }) => !op.tags?.length).map((o) => o.at), 'without a tag').toEqual([]);
    expect(operations.filter(({ op }) => !op.summary?.trim()).map((o) => o.at), 'without a summary').toEqual([]);
  });

  it('has an example for every JSON request body and every success answer', () => {
    const missing: string[] = [];
    for (const { at, op } of operations) {
      const json = op.requestBody?.content?.['application/json'];
      if (json && !hasExample(json)) missing.push(`${at} request`);
      for (const [status, r] of Object.entries(op.responses))
        for (const [type, media] of Object.entries(r.content ?? {})) if (/^2/.test(status) && type.endsWith('json') && !hasExample(media)) missing.push(`${at} ${status}`);
    }
    expect(missing).toEqual([]);
  });

  it('has an example for every problem it declares, of that status', () => {
    const wrong: string[] = [];
    for (const { at, op } of operations)
      for (const [status, r] of Object.entries(op.responses)) {
        const media = r.content?.['application/problem+json'];
        if (!media) continue;
        const examples = Object.values(media.examples ?? {}) as { value: { status: number; code: string } }[];
        if (!examples.length) wrong.push(`${at} ${status}: no example`);
        for (const e of examples) if (String(e.value.status) !== status || e.value.code === undefined) wrong.push(`${at} ${status}: ${JSON.stringify(e.value)}`);
      }
    expect(wrong).toEqual([]);
  });
});

describe('docs/api.md', () => {
  const api = readFileSync(join(import.meta.dirname, '../../docs/api.md'), 'utf8');
  const section = api.slice(api.indexOf('## Problem codes'), api.indexOf('\n## ', api.indexOf('## Problem codes') + 1));
  // The table's rows: | status | `code` | when | what to do |
  const rows = [...section.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)].map((m) => ({ status: Number(m[1]), code: m[2]! }));

  it('lists every problem code exactly once, and no other', () => {
    expect(rows.map((r) => r.code).sort()).toEqual([...problemCodes].sort());
  });

  it('gives each code the status Ordo answers it with', () => {
    for (const r of rows) expect(problemDocument(new OrdoError(r.code as ProblemCode, 'x')).status, r.code).toBe(r.status);
  });
});
