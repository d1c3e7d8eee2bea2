/**
 * requestLog on a tiny Hono app: exactly one line per request, with the route pattern (never the
 * concrete path, its parameters or its query), the status, the duration, the request id, the
 * acting actor and the problem answered, and nothing from the body.
 */
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Deps, LogLine } from '../../src/deps.js';
import { OrdoError } from '../../src/domain/errors.js';
import type { AppEnv } from '../../src/http/env.js';
import type { Caller } from '../../src/service/caller.js';
import { jsonBody } from '../../src/http/middleware/json-body.js';
import { requestLog } from '../../src/http/middleware/request-log.js';
import { problemResponse } from '../../src/http/problem.js';

const logs: LogLine[] = [];
const deps = { log: (line: LogLine) => void logs.push(line) } satisfies Pick<Deps, 'log'> as Deps;

const app = new Hono<AppEnv>();
app.use('*', requestId(), async (c, next) => {
  c.set('deps', deps);
  await next();
});
app.use('*', requestLog());
app.use('*', jsonBody());
/** Stands in for requireActor: the caller as the log reads it. */
app.use('/v1/as/:actor/*', async (c, next) => {
  c.set('caller', { actor: { id: c.req.param('actor') } } as Caller);
  await next();
});
app.post('/v1/as/:actor/prescriptions/:id/notes', (c) => c.json({ ok: true }, 201));
app.get('/v1/as/:actor/prescriptions/:id', () => {
  throw new OrdoError('not_found', 'No such prescription: RX-SECRET-IN-DETAIL.');
});
app.get('/v1/crash/:id', () => {
  throw new Error('boom with RX-SECRET-IN-MESSAGE');
});
app.notFound((c) => problemResponse(c, new OrdoError('not_found', 'No such route.')));
app.onError((err, c) => (err instanceof OrdoError ? problemResponse(c, err) : c.text('internal', 500)));

beforeEach(() => {
  logs.length = 0;
});

const KEYS = ['level', 'reqId', 'method', 'route', 'status', 'ms', 'actor', 'problem'];

describe('requestLog', () => {
  it('writes one line per request, with the route pattern and the actor, and nothing of the path or body', async () => {
    const body = JSON.stringify({ note: 'Patiente Jeanne Martin, allergie pénicilline', code: 'ABCDE-FGHJK' });
    const res = await app.request('/v1/as/10001234567/prescriptions/RX12345678/notes?code=QUERYSECRET', {
      method: 'POST', body, headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
    });
    expect(res.status).toBe(201);
    expect(logs).toHaveLength(1);
    const line = logs[0]!;
    expect(Object.keys(line).sort()).toEqual([...KEYS].sort());
    expect(line).toEqual({
      level: 'info', reqId: 'req-1', method: 'POST', route: '/v1/as/:actor/prescriptions/:id/notes', status: 201, ms: expect.any(Number),
      actor: '10001234567', problem: undefined,
    });
    expect(line.ms).toBeGreaterThanOrEqual(0);
    expect(String(line.ms)).toMatch(/^\d+(\.\d)?$/); // tenths of a millisecond at most
    const text = JSON.stringify(line);
    for (const secret of ['RX12345678', 'QUERYSECRET', 'Jeanne', 'Martin', 'pénicilline', 'ABCDE', '/prescriptions/RX']) expect(text).not.toContain(secret);
  });

  it('gives each request its own id when the client sends none', async () => {
    await app.request('/v1/as/A1/prescriptions/RX1/notes', { method: 'POST' });
    await app.request('/v1/as/A1/prescriptions/RX1/notes', { method: 'POST' });
    expect(logs).toHaveLength(2);
    expect(logs[0]!.reqId).toEqual(expect.any(String));
    expect(logs[0]!.reqId).not.toBe(logs[1]!.reqId);
  });

  it('records the problem code of a refusal, at level info, and not its detail', async () => {
    const res = await app.request('/v1/as/A2/prescriptions/RX99');
    expect(res.status).toBe(404);
    expect(logs).toEqual([
      { level: 'info', reqId: expect.any(String), method: 'GET', route: '/v1/as/:actor/prescriptions/:id', status: 404, ms: expect.any(Number), actor: 'A2', problem: 'not_found' },
    ]);
    expect(JSON.stringify(logs)).not.toContain('SECRET');
  });

  it('records a refusal by the body reader before any route ran', async () => {
    const res = await app.request('/v1/as/A3/prescriptions/RX1/notes', { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ status: 415, problem: 'unsupported_media_type', method: 'POST' });
    expect(JSON.stringify(logs)).not.toContain('RX1');
  });

  it('logs a server error at level error, without the error message or path', async () => {
    const res = await app.request('/v1/crash/RX-SECRET-IN-PATH');
    expect(res.status).toBe(500);
    expect(logs).toEqual([
      { level: 'error', reqId: expect.any(String), method: 'GET', route: '/v1/crash/:id', status: 500, ms: expect.any(Number), actor: undefined, problem: undefined },
    ]);
    expect(JSON.stringify(logs)).not.toContain('SECRET');
  });

  it('logs an unknown path as the catch-all pattern, not as the path asked for', async () => {
    const res = await app.request('/v1/nothing/RX-SECRET-UNKNOWN');
    expect(res.status).toBe(404);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ status: 404, problem: 'not_found', actor: undefined });
    expect(JSON.stringify(logs)).not.toContain('SECRET');
  });
});
