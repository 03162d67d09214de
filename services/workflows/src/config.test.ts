import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@kundval/platform';
import { WorkflowsConfig } from './config.js';

/** server.ts (the bridge) and worker.ts both load this schema, so both refuse what it refuses. */
const development = { DECISIONS_URL: 'http://127.0.0.1:4101', ORDERS_URL: 'http://127.0.0.1:4102', BILLING_URL: 'http://127.0.0.1:4103', AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };
const production = { ...development, KUNDVAL_ENV: 'production', AUTH_SECRET: randomBytes(48).toString('base64url'), AUTH_ISSUER: 'https://idp.nacka.se' };
const problems = (env: Record<string, string>) => {
  const parsed = WorkflowsConfig.safeParse(env);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the workflows configuration (bridge and worker)', () => {
  it('accepts the development issuer and secret when KUNDVAL_ENV is unset, as before', () => {
    expect(loadConfig(WorkflowsConfig, development)).toMatchObject({ KUNDVAL_ENV: 'development', AUTH_ISSUER: 'kundval-dev' });
  });

  it('refuses in production the development issuer and a short secret, each named in one error', () => {
    expect(problems({ ...development, KUNDVAL_ENV: 'production' })).toEqual([
      "AUTH_ISSUER: KUNDVAL_ENV=production refuses AUTH_ISSUER: it is the development issuer (kundval-dev); set the municipality's identity provider",
      'AUTH_SECRET: KUNDVAL_ENV=production refuses AUTH_SECRET: it is 39 characters; production needs at least 64',
    ]);
  });

  it('starts in production with the identity provider and a random secret', () => {
    expect(problems(production)).toEqual([]);
  });

  it('runs the worker without a sticky cache unless told otherwise (ADR 0035), and refuses a negative size', () => {
    expect(loadConfig(WorkflowsConfig, development).WORKER_MAX_CACHED_WORKFLOWS).toBe(0);
    expect(loadConfig(WorkflowsConfig, { ...development, WORKER_MAX_CACHED_WORKFLOWS: '500' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(500);
    expect(problems({ ...development, WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toEqual(['WORKER_MAX_CACHED_WORKFLOWS: Too small: expected number to be >=0']);
  });
});
