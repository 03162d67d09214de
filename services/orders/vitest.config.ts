import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Route suites run on PGlite and on a real PostgreSQL server that this setup starts once per run.
    globalSetup: ['src/test-support/postgres.global-setup.ts'],
    // Files share their worker's modules, so PGlite's WebAssembly is compiled once per worker rather
    // than once per file (half the CPU of a run); every suite opens a database of its own.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
