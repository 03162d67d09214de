import { defineConfig } from 'vitest/config';

// These tests start real servers (Temporal, NATS, PostgreSQL): a cold start can take a while.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
