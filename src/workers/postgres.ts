/**
 * Ordo on Workers over PostgreSQL, through Hyperdrive. A Worker may not carry a connection from
 * one request to the next, so each request (and each cron run) gets a store over a small pool
 * of its own on Hyperdrive's connection string, ended once the request is answered; Hyperdrive
 * keeps the real connections to PostgreSQL warm in between.
 */
import pg from 'pg';
import * as pgCloudflare from 'pg-cloudflare';
import type { HyperdriveBinding } from '../config/workers.js';
import type { Packer } from '../store/codec.js';
import { PgStore } from '../store/pg/store.js';

/**
 * pg-cloudflare's socket. Its types resolve to the package's non-Workers stub (the `default`
 * export condition); the `workerd` condition, which Workers builds use, has the class.
 */
const { CloudflareSocket } = pgCloudflare as unknown as { CloudflareSocket: new (ssl: boolean) => unknown };

/** Connections one request may use at once (a transition takes one). */
const PER_REQUEST = 4;

/** Runs `work` with a store of its own, ended afterwards (through `waitUntil`, without delaying the answer). */
export async function withHyperdriveStore<T>(binding: HyperdriveBinding, packer: Packer, work: (store: PgStore) => Promise<T>, waitUntil: (p: Promise<unknown>) => void): Promise<T> {
  // The Workers socket given to pg explicitly (pg would otherwise pick it by package conditions
  // alone, which not every bundler applies to a require).
  const stream = (config: { ssl?: unknown }) => new CloudflareSocket(config.ssl === true || (typeof config.ssl === 'object' && config.ssl !== null));
  const pool = new pg.Pool({ connectionString: binding.connectionString, max: PER_REQUEST, stream: stream as never });
  pool.on('error', () => {});
  const store = new PgStore(pool, packer);
  const close = () => waitUntil(store.close().catch(() => {}));
  let result: T;
  try {
    result = await work(store);
  } catch (err) {
    close();
    throw err;
  }
  // A stream (the feed's Server-Sent Events) reads the store after the answer has begun: the
  // store closes when the stream ends or its reader goes away, not before.
  if (result instanceof Response && result.body && (result.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return closedAfter(result, close) as T;
  }
  close();
  return result;
}

function closedAfter(res: Response, close: () => void): Response {
  const reader = res.body!.getReader();
  let done = false;
  const end = () => {
    if (!done) (done = true), close();
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read().catch((err: unknown) => (end(), Promise.reject(err)));
      if (chunk.done) {
        controller.close();
        end();
      } else controller.enqueue(chunk.value);
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}
