/**
 * Databases of their own on the tests' PostgreSQL server (test/support/postgres-setup.ts): each
 * created empty, and dropped, with whatever is still connected to it, when done.
 */
import pg from 'pg';
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { withDatabase } from './pg-cluster.js';


/** On the server the tests were given. */
async function onServer<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: inject('pgUrl') });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** A new, empty database: its URL, and `drop()`. */
export async function freshDatabase() {
  const name = `ordo_test_${randomBytes(6).toString('hex')}`;
  await onServer((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: withDatabase(inject('pgUrl'), name),
    // Politely first: a pool's end() resolves before its sockets have closed, and a forced drop
    // would then end those connections with an error nobody listens to any more (an uncaught
    // exception in the test run). Forced only when something still holds on after 2 s.
    drop: () =>
      onServer(async (c) => {
        for (let i = 0; i < 40; i++) {
          try {
            return await c.query(`DROP DATABASE IF EXISTS ${name}`);
          } catch (err) {
            if ((err as { code?: string }).code !== '55006') throw err; // not "being accessed by other users"
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        return c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}
