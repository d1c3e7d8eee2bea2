/**
 * A project of tests inside workerd (vitest.workers.config.ts, vitest.workers-postgres.config.ts):
 * the Worker entry over a local D1 with the committed migrations, or over the tests' PostgreSQL
 * through a local Hyperdrive binding (a database migrated by test/support/postgres-setup.ts),
 * with fresh secrets for each run.
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { exportJWK, generateKeyPair, base64url } from 'jose';
import { randomBytes } from 'node:crypto';
import { defineProject } from 'vitest/config';
import { pkiMaterial } from './test/support/pki-material.js';

/**
 * miniflare's local Hyperdrive proxy (this version) pipes the Worker's socket to the database's
 * with no 'error' listener on either (cloudflare/workers-sdk#15768, open): a connection that one
 * side closes while the other still writes ends in EPIPE or ECONNRESET there, which would stop
 * the whole test run in the middle; and its `net.connect` to the database has none either, so a
 * Worker's late connection (a log turn in `waitUntil`) after the test cluster is stopped at the
 * end of the run is an uncaught ECONNREFUSED, failing a run whose tests all passed. Those socket
 * errors, and only those, are the proxy's to lose: they are said on stderr and the run goes on,
 * the tests' own assertions deciding. Anything else still stops the run as Node would.
 */
function keepRunningThroughProxySocketErrors() {
  process.on('uncaughtException', (err: NodeJS.ErrnoException) => {
    const refused = err.code === 'ECONNREFUSED' && err.syscall === 'connect';
    if (refused || ((err.code === 'EPIPE' || err.code === 'ECONNRESET') && /socket|EPIPE|ECONNRESET/.test(err.message))) {
      process.stderr.write(`ignored a socket error of miniflare's Hyperdrive proxy (workers-sdk#15768): ${err.code} ${err.message}\n`);
      return;
    }
    process.stderr.write(`${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
}

export const workersProject = (over: { name: string; include: string[]; setupFiles: string[]; hyperdrive: boolean }) =>
  defineProject(async () => {
    if (over.hyperdrive) keepRunningThroughProxySocketErrors();
    const migrations = await readD1Migrations('./drizzle');
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    // A receipt key used before: given private, of which Ordo must publish only the public half.
    const retired = await generateKeyPair('ES256', { extractable: true });
    // The test PKI, made here on Node (workerd gets its anchors at start): test/contract/certified.ts.
    const pki = await pkiMaterial();
    const bindings = {
      TEST_PKI: JSON.stringify(pki),
      ORDO_TRUST_ANCHORS: pki.anchors,
      TEST_MIGRATIONS: migrations,
      ORDO_ISSUER: 'https://ordo.test',
      ORDO_ADMIN_TOKEN: base64url.encode(randomBytes(32)),
      ORDO_SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)),
      ORDO_TOKEN_KEY: base64url.encode(randomBytes(32)),
      ORDO_RETIRED_SIGNING_KEYS: JSON.stringify([await exportJWK(retired.privateKey)]),
    };
    return {
      plugins: [
        cloudflareTest(({ inject }) => ({
          main: './src/worker.ts',
          wrangler: { configPath: './wrangler.toml' },
          miniflare: {
            bindings,
            // Hyperdrive's local mode: the binding's connection string leads to this database.
            ...(over.hyperdrive && { hyperdrives: { HYPERDRIVE: inject('pgWorkersUrl') } }),
          },
        })),
      ],
      test: {
        name: over.name,
        include: over.include,
        setupFiles: over.setupFiles,
        // The Worker logs a JSON line per request; keep the test output readable.
        onConsoleLog: (_log, type) => (type === 'stderr' ? undefined : false),
      },
    };
  });
