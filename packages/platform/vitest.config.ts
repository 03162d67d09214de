import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Database suites run on PGlite and on a real PostgreSQL server that this setup starts once per run.
    globalSetup: ['src/test-support/postgres.global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
