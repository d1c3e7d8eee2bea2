import { defineConfig } from 'vitest/config';
import { buildWeb } from './scripts/build-web.mjs';

// The pages' scripts and Swagger UI, served by both runtimes and needed by the workerd pool's
// [assets]: built once, before any project starts.
await buildWeb();

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Two files at a time on these two-core machines (vitest's default here is one): most files
    // wait on child processes, PostgreSQL, workerd or Chromium rather than on the CPU, and the
    // browser files alone take minutes. No test asserts a duration (benchmarks measure those).
    maxWorkers: 2,
    hookTimeout: 30_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // A PostgreSQL server for the tests on PostgreSQL: ORDO_TEST_PG, or a throwaway cluster.
    // src/ compiled once for the tests that run Ordo or the CLI in child processes (test/support/ordo-build.ts).
    globalSetup: ['./test/support/postgres-setup.ts', './test/support/ordo-build.ts'],
    projects: [
      {
        extends: true,
        // better-sqlite3 is a native module: forks are the safe pool for it.
        test: { name: 'node', include: ['test/**/*.test.ts'], exclude: ['test/workers/**', 'test/workers-postgres/**'], pool: 'forks' },
      },
      './vitest.workers.config.ts',
      './vitest.workers-postgres.config.ts',
    ],
  },
});
