import { defineConfig } from 'vitest/config';

// Bundling workflow code with webpack takes seconds; replaying a history a little less.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], testTimeout: 120_000 } });
