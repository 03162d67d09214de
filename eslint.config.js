// One lint configuration for the whole monorepo; packages run `eslint src` against it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { kundvalPlugin } from './scripts/lint/route-handler-length.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tools/**', '.data/**', '**/*.js', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'No `export *` barrels: export names explicitly.' },
      ],
      'no-restricted-imports': ['error', { patterns: [{ group: ['../../packages/*', '../../services/*', '**/src/*'], message: 'Import another package by its name, never by path.' }] }],
    },
  },
  {
    // A route handler is an adapter: parse, call one use case, map the result (issue 11). The rules
    // live in application/ use cases; a handler over 40 lines fails `npm run lint` in its service.
    files: ['services/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { kundval: kundvalPlugin },
    rules: { 'kundval/route-handler-length': ['error', { max: 40 }] },
  },
  {
    // Domain rules and workflow code run inside Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['packages/domain/src/**/*.ts', 'services/workflows/src/workflows/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'path', 'crypto', 'http', 'pino', 'pg', '@electric-sql/*', '@nats-io/*', 'fastify'], message: 'Deterministic code: no Node built-ins, loggers or I/O.' }] }],
    },
  },
  {
    // Domain rules take the clock and ids as parameters. (Workflow code may read Date.now():
    // Temporal's sandbox makes it the deterministic workflow time.)
    files: ['packages/domain/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Pass the clock in.' }, { object: 'Math', property: 'random', message: 'Pass the id generator in.' }],
    },
  },
);
