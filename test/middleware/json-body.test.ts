/**
 * jsonBody on a tiny Hono app, one app per option set: the size limit (413, whether or not the
 * client declares a length), JSON only (415), the depth limit (400, before parsing), invalid
 * UTF-8 and invalid JSON (400), an empty body, and GET passing untouched. The route echoes what
 * the middleware handed on: the raw bytes (for bdh) and the parsed value (for the validators).
 */
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import { describe, expect, it } from 'vitest';
import { OrdoError } from '../../src/domain/errors.js';
import type { AppEnv } from '../../src/http/env.js';
import { jsonBody, type JsonBodyOptions } from '../../src/http/middleware/json-body.js';
import { problemResponse } from '../../src/http/problem.js';
import { jsonDepth } from '../../src/lib/json.js';

function tinyApp(opts?: JsonBodyOptions) {
  const app = new Hono<AppEnv>();
  app.use('*', jsonBody(opts));
  // What a route and its validator see: the raw bytes, and the body through Hono's cache.
  app.all('/echo', async (c) => {
    const raw = c.var.rawBody;
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return c.json({ bytes: raw.length, raw: '', body: 'not read' });
    const cached = 'text' in c.req.bodyCache;
    const text = await c.req.text();
    expect(text).toBe(new TextDecoder().decode(raw));
    return c.json({ bytes: raw.length, raw: text, body: text === '' ? null : await c.req.json(), cached });
  });
  app.onError((err, c) => (err instanceof OrdoError ? problemResponse(c, err) : c.text(`unexpected: ${err.message}`, 500)));
  return app;
}

const small = tinyApp({ maxBytes: 64, maxDepth: 3 });
const defaults = tinyApp();

type Init = { body?: BodyInit; type?: string | null; length?: boolean; method?: string };
function post(app: Hono<AppEnv>, o: Init) {
  const headers: Record<string, string> = {};
  if (o.type !== null) headers['content-type'] = o.type ?? 'application/json';
  if (o.length && typeof o.body === 'string') headers['content-length'] = String(new TextEncoder().encode(o.body).length);
  return app.request('/echo', { method: o.method ?? 'POST', body: o.body, headers });
}

/** A JSON text of exactly n bytes: {"a":"xxx…"} */
const jsonOfBytes = (n: number) => `{"a":"${'x'.repeat(n - 8)}"}`;

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { code: string; detail: string };
  return { status: res.status, code: body.code, detail: body.detail };
}

/** The body as a stream: the client declares no length, so the limit applies while reading. */
const streamOf = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      const bytes = new TextEncoder().encode(text);
      for (let i = 0; i < bytes.length; i += 16) controller.enqueue(bytes.slice(i, i + 16));
      controller.close();
    },
  });
const streamed = (app: Hono<AppEnv>, text: string) =>
  app.request('/echo', { method: 'POST', body: streamOf(text), headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);

describe('jsonBody: size', () => {
  it('hands on a body of exactly maxBytes, raw bytes and parsed value', async () => {
    const text = jsonOfBytes(64);
    expect(text).toHaveLength(64);
    for (const length of [true, false]) {
      const res = await post(small, { body: text, length });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ bytes: 64, raw: text, body: { a: 'x'.repeat(56) }, cached: true });
    }
  });

  it('answers 413 one byte over, with or without a Content-Length', async () => {
    const expected = { status: 413, code: 'payload_too_large', detail: 'The body exceeds 64 bytes.' };
    expect(await problem(await post(small, { body: jsonOfBytes(65), length: true }))).toEqual(expected);
    expect(await problem(await post(small, { body: jsonOfBytes(65) }))).toEqual(expected);
    expect(await problem(await streamed(small, jsonOfBytes(65)))).toEqual(expected);
    expect((await streamed(small, jsonOfBytes(64))).status).toBe(200);
  });

  it('through a real server: refuses by the declared length before reading, and reads chunked bodies with the limit', async () => {
    const { serve } = await import('@hono/node-server');
    const { request } = await import('node:http');
    const server = serve({ fetch: small.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const send = (body: string, headers: Record<string, string>) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/echo', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      const exact = jsonOfBytes(64);
      expect(await send(exact, { 'content-length': '64' })).toMatchObject({ status: 200 });
      expect(JSON.parse((await send(exact, { 'content-length': '64' })).text).raw).toBe(exact);
      expect((await send(jsonOfBytes(65), { 'content-length': '65' })).status).toBe(413);
      // Declared over the limit: refused whatever follows (here, nothing).
      expect((await send('x'.repeat(100_000), { 'content-length': '100000' })).status).toBe(413);
      expect((await send(jsonOfBytes(65), { 'transfer-encoding': 'chunked' })).status).toBe(413);
      expect((await send(exact, { 'transfer-encoding': 'chunked' })).status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses a body longer than the limit whose Content-Length says less (a Request built in-process)', async () => {
    const res = await small.request('/echo', { method: 'POST', body: jsonOfBytes(200), headers: { 'content-type': 'application/json', 'content-length': '10' } });
    expect(await problem(res)).toEqual({ status: 413, code: 'payload_too_large', detail: 'The body exceeds 64 bytes.' });
  });

  it('answers 400 to a Content-Length that is not a length', async () => {
    const res = await small.request('/echo', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'content-length': '2x' } });
    expect(await problem(res)).toMatchObject({ status: 400, code: 'bad_request' });
  });

  it('counts bytes, not characters', async () => {
    const text = `{"a":"${'é'.repeat(28)}"}`; // 36 characters, 64 bytes
    expect((await post(small, { body: text })).status).toBe(200);
    expect(await problem(await post(small, { body: `{"a":"${'é'.repeat(28)}x"}` }))).toMatchObject({ status: 413 });
  });

  it('allows 64 KiB by default', async () => {
    expect((await post(defaults, { body: jsonOfBytes(65_536) })).status).toBe(200);
    expect(await problem(await post(defaults, { body: jsonOfBytes(65_537) }))).toEqual({
      status: 413, code: 'payload_too_large', detail: 'The body exceeds 65536 bytes.',
    });
  });
});

describe('jsonBody: media type', () => {
  it('answers 415 to a body that is not declared as JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'text/json', null]) {
      expect(await problem(await post(small, { body: '{}', type })), String(type)).toEqual({
        status: 415, code: 'unsupported_media_type', detail: 'Send the body as application/json.',
      });
    }
  });

  it('accepts application/json with parameters, any case, and +json types', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json', 'application/problem+json;charset=UTF-8']) {
      expect((await post(small, { body: '{"a":1}', type })).status, type).toBe(200);
    }
  });

  it('checks the size before the type', async () => {
    expect(await problem(await post(small, { body: 'x'.repeat(65), type: 'text/plain' }))).toMatchObject({ status: 413 });
  });
});

describe('jsonBody: depth', () => {
  it('accepts nesting up to maxDepth and answers 400 beyond it', async () => {
    expect(await (await post(small, { body: '[[[1]]]' })).json()).toMatchObject({ body: [[[1]]] });
    expect(await (await post(small, { body: '{"a":{"b":[1]}}' })).json()).toMatchObject({ body: { a: { b: [1] } } });
    for (const body of ['[[[[1]]]]', '{"a":{"b":{"c":{}}}}', '[{"a":[{}]}]']) {
      expect(await problem(await post(small, { body })), body).toEqual({ status: 400, code: 'bad_request', detail: 'JSON nested deeper than 3 levels.' });
    }
  });

  it('checks depth on the raw text, before parsing: an unterminated deep document is a depth error', async () => {
    expect(await problem(await post(small, { body: '['.repeat(60) }))).toMatchObject({ detail: 'JSON nested deeper than 3 levels.' });
  });

  it('does not count brackets inside strings, escaped quotes included', async () => {
    const body = JSON.stringify({ a: '[[[[{{{{', b: 'say \\"[[[[\\"', c: ['"]]]]"'] });
    const res = await post(tinyApp({ maxDepth: 2 }), { body });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ body: JSON.parse(body) });
  });

  it('allows 16 levels by default', async () => {
    expect((await post(defaults, { body: `${'['.repeat(16)}${']'.repeat(16)}` })).status).toBe(200);
    expect(await problem(await post(defaults, { body: `${'['.repeat(17)}${']'.repeat(17)}` }))).toMatchObject({
      status: 400, detail: 'JSON nested deeper than 16 levels.',
    });
  });
});

describe('jsonBody: encoding and syntax', () => {
  it('answers 400 to bytes that are not UTF-8', async () => {
    for (const bytes of [[0x22, 0xff, 0x22], [0x22, 0xc3, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22]]) {
      expect(await problem(await post(small, { body: new Uint8Array(bytes) }))).toEqual({ status: 400, code: 'bad_request', detail: 'The body is not valid UTF-8.' });
    }
  });

  it('answers 400 to text that is not JSON', async () => {
    for (const body of ['{', '{"a":1,}', "{'a':1}", 'undefined', '{"a":1} x']) {
      expect(await problem(await post(small, { body })), body).toEqual({ status: 400, code: 'bad_request', detail: 'The body is not valid JSON.' });
    }
  });

  it('hands on any JSON value: the route schemas decide what is acceptable', async () => {
    for (const [text, value] of [['"text"', 'text'], ['42', 42], ['null', null], [' [ ] ', []]] as const) {
      expect(await (await post(small, { body: text })).json()).toMatchObject({ body: value });
    }
  });
});

describe('jsonBody: no body', () => {
  it('passes an empty POST on with empty raw bytes and no value, whatever its type', async () => {
    for (const type of ['application/json', 'text/plain', null]) {
      const res = await post(small, { body: '', type });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ bytes: 0, raw: '', body: null, cached: true });
    }
    const none = await small.request('/echo', { method: 'POST' });
    expect(await none.json()).toEqual({ bytes: 0, raw: '', body: null, cached: true });
  });

  it('passes GET and HEAD on without reading anything', async () => {
    const res = await small.request('/echo', { method: 'GET', headers: { 'content-type': 'text/plain', 'content-length': '100000' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: 0, raw: '', body: 'not read' });
    expect((await small.request('/echo', { method: 'HEAD' })).status).toBe(200);
  });

  it('reads the bodies of PUT, PATCH and DELETE like POST', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      expect(await problem(await post(small, { method, body: '{}', type: 'text/plain' })), method).toMatchObject({ status: 415 });
      expect(await (await post(small, { method, body: '{"a":1}' })).json()).toMatchObject({ body: { a: 1 } });
    }
  });
});

describe("jsonBody and Hono's JSON validator", () => {
  const app = new Hono<AppEnv>();
  app.use('*', jsonBody());
  app.post('/v', validator('json', (value) => value), (c) => c.json({ got: c.req.valid('json') }));
  app.onError((err, c) => c.json({ error: err instanceof HTTPException ? err.message : String(err) }, err instanceof HTTPException ? err.status : 500));

  it('gives the validator the body read by the middleware', async () => {
    const res = await app.request('/v', { method: 'POST', body: '{"a":[1,2]}', headers: { 'content-type': 'application/json' } });
    expect(await res.json()).toEqual({ got: { a: [1, 2] } });
  });

  it('leaves an empty JSON body to the validator, which refuses it (the app maps this to 400)', async () => {
    const res = await app.request('/v', { method: 'POST', body: '', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'Malformed JSON in request body' });
  });
});

describe('jsonDepth (src/lib/json.ts)', () => {
  it('measures the deepest nesting of arrays and objects', () => {
    expect(jsonDepth('1')).toBe(0);
    expect(jsonDepth('"[{"')).toBe(0);
    expect(jsonDepth('{}')).toBe(1);
    expect(jsonDepth('[[], [[]], {}]')).toBe(3);
    expect(jsonDepth('{"a":[{"b":"]]]"}],"c":{}}')).toBe(3);
    expect(jsonDepth('["\\\\", [["\\"[[["]]]')).toBe(3);
  });
});
