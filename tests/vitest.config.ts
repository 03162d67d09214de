import { defineConfig } from 'vitest/config';

/**
 * End-to-end and fault tests: each file starts the whole platform (Temporal dev server,
 * nats-server, four services, the worker) on free ports, so files run one at a time.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
