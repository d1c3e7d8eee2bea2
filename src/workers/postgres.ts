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
  try {
    return await work(store);
  } finally {
    waitUntil(store.close().catch(() => {}));
  }
}
