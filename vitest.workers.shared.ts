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

export const workersProject = (over: { name: string; include: string[]; setupFiles: string[]; hyperdrive: boolean }) =>
  defineProject(async () => {
    const migrations = await readD1Migrations('./drizzle');
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    // A receipt key used before: given private, of which Ordo must publish only the public half.
    const retired = await generateKeyPair('ES256', { extractable: true });
    const bindings = {
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
