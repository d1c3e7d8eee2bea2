import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // better-sqlite3 is a native module: forks are the safe pool for it.
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
