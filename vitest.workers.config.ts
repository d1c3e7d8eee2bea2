/**
 * The contract tests inside workerd: the Worker entry over a local D1 with the committed
 * migrations, and fresh secrets for each run.
 */
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { exportJWK, generateKeyPair, base64url } from 'jose';
import { randomBytes } from 'node:crypto';
import { defineProject } from 'vitest/config';

export default defineProject(async () => {
  const migrations = await readD1Migrations('./drizzle');
  const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  // A receipt key used before: given private, of which Ordo must publish only the public half.
  const retired = await generateKeyPair('ES256', { extractable: true });
  return {
    plugins: [
      cloudflareTest({
        main: './src/worker.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ORDO_ISSUER: 'https://ordo.test',
            ORDO_ADMIN_TOKEN: base64url.encode(randomBytes(32)),
            ORDO_SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)),
            ORDO_TOKEN_KEY: base64url.encode(randomBytes(32)),
            ORDO_RETIRED_SIGNING_KEYS: JSON.stringify([await exportJWK(retired.privateKey)]),
          },
        },
      }),
    ],
    test: {
      name: 'workers',
      include: ['test/workers/**/*.test.ts'],
      setupFiles: ['./test/workers/apply-migrations.ts'],
      // The Worker logs a JSON line per request; keep the test output readable.
      onConsoleLog: (_log, type) => type === "stderr" ? undefined : false,
    },
  };
});
