/**
 * GET /v1/feed: the caller's events after a cursor, as JSON (at once, or long polling with
 * `wait`) or as Server-Sent Events (`Accept: text/event-stream`) until its request token expires.
 */
import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { CURSOR_PATTERN, FeedPageSchema, FeedQuerySchema } from '../../../contract/feed.js';
import { OrdoError } from '../../../domain/errors.js';
import { readFeed } from '../../../service/feed.js';
import { recordToken } from '../../../service/tokens.js';
import { requireActor } from '../../middleware/auth.js';
import { bearerSecurity, problems, router } from '../../openapi.js';

/** A stream says it is alive this often (proxies close silent connections). */
const HEARTBEAT_MS = 15_000;

const route = createRoute({
  method: 'get',
  path: '/v1/feed',
  operationId: 'readFeed',
  tags: ['Feed'],
  summary: 'Your events after a cursor: long polling or Server-Sent Events instead of polling each prescription',
  description:
    'A prescriber reads the events of its prescriptions; a pharmacy those of every prescription it claimed, from its first claim on (a cancel above all). ' +
    'In `seq` order, each once: follow `cursor`. With `wait`, an empty answer waits up to that many seconds for the next event. ' +
    'With `Accept: text/event-stream`, events are sent as they come (`id` = `seq`, `data` = the event) until the request token expires; then an `end` event, and the client reconnects with a new token and `Last-Event-ID`.',
  security: bearerSecurity,
  middleware: [requireActor({ kind: 'actor' })] as const,
  request: { query: FeedQuerySchema },
  responses: {
    200: {
      description: 'A page of events, or (Server-Sent Events) the stream',
      content: {
        'application/json': { schema: FeedPageSchema },
        'text/event-stream': { schema: { type: 'string', example: 'id: 1042\ndata: {"seq":1042,"type":"cancelled",…}\n\n' } },
      },
    },
    ...problems(400, 401, 403),
  },
});

export const feedRoutes = router().openapi(route, async (c) => {
  const { deps, caller } = c.var;
  const q = c.req.valid('query');
  const sse = (c.req.header('accept') ?? '').includes('text/event-stream');
  const lastEventId = sse && q.after === undefined ? c.req.header('last-event-id')?.trim() : undefined;
  if (lastEventId !== undefined && lastEventId !== '' && !CURSOR_PATTERN.test(lastEventId)) throw new OrdoError('bad_request', 'Last-Event-ID: not a cursor this server gave.');
  const after = Number(q.after ?? (lastEventId || '0'));
  // Spent before waiting: a copy of the token cannot open a second wait meanwhile.
  await recordToken(deps, caller.use);
  c.header('Cache-Control', 'no-store');
  if (!sse) return c.json(await readFeed(deps, caller, { after, limit: q.limit, waitMs: q.wait * 1000, signal: c.req.raw.signal }), 200);

  // Until the token's `exp`, on the clock it was checked against.
  const streamMs = caller.use.expiresAt - deps.config.skew * 1000 - deps.clock();
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(
    c,
    async (stream) => {
      const done = new AbortController();
      stream.onAbort(() => done.abort());
      const beat = setInterval(() => void stream.write(': alive\n\n').catch(() => done.abort()), HEARTBEAT_MS);
      try {
        const last = await readFeed(deps, caller, {
          after, limit: q.limit, waitMs: streamMs, signal: done.signal,
          onPage: async (page) => {
            for (const e of page.events) await stream.writeSSE({ id: String(e.seq), data: JSON.stringify(e) });
          },
        });
        // The token has expired: reconnect with a new one, from here.
        if (!done.signal.aborted) await stream.writeSSE({ event: 'end', id: last.cursor, data: JSON.stringify({ cursor: last.cursor }), retry: 1000 });
      } finally {
        clearInterval(beat);
      }
    },
    async (err, stream) => {
      deps.log({ level: 'error', reqId: c.var.requestId, route: '/v1/feed', error: err.name, message: err.message });
      await stream.writeSSE({ event: 'error', data: JSON.stringify({ code: 'internal' }) });
    },
  );
});
