import { describe, expect, it } from 'vitest';
import { loadConfig } from '@kundval/platform';
import { WorkflowsConfig } from './config.js';

/** server.ts (the bridge) and worker.ts both load this schema, so both refuse what it refuses. */
const development = { DECISIONS_URL: 'http://127.0.0.1:4101', ORDERS_URL: 'http://127.0.0.1:4102', BILLING_URL: 'http://127.0.0.1:4103', AUTH_SECRET: 'a-secret-that-is-at-least-32-characters' };
const { AUTH_SECRET: _development, ...urls } = development;
const production = { ...urls, KUNDVAL_ENV: 'production', AUTH_ISSUER: 'https://idp.nacka.se', AUTH_JWKS_URL: 'https://idp.nacka.se/jwks', AUTH_TOKEN_URL: 'https://idp.nacka.se/token', AUTH_CLIENT_SECRET: 'the-workers-client-secret' };
const problems = (env: Record<string, string>) => {
  const parsed = WorkflowsConfig.safeParse(env);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the workflows configuration (bridge and worker)', () => {
  it('accepts the development issuer and secret when KUNDVAL_ENV is unset, as before', () => {
    expect(loadConfig(WorkflowsConfig, development)).toMatchObject({ KUNDVAL_ENV: 'development', AUTH_ISSUER: 'kundval-dev' });
  });

  it('refuses in production the development issuer, the shared secret and no identity provider, each named in one error', () => {
    expect(problems({ ...development, KUNDVAL_ENV: 'production' })).toEqual([
      "AUTH_ISSUER: KUNDVAL_ENV=production refuses AUTH_ISSUER: it is the development issuer (kundval-dev); set the municipality's identity provider",
      "AUTH_SECRET: KUNDVAL_ENV=production refuses AUTH_SECRET: it is a shared signing secret: whoever holds it can mint any role; unset it and verify the identity provider's tokens (AUTH_JWKS_URL)",
      "AUTH_JWKS_URL: KUNDVAL_ENV=production refuses AUTH_JWKS_URL: it is unset; production verifies tokens by the identity provider's published keys (its jwks_uri)",
    ]);
  });

  it("starts in production with the identity provider's keys and the worker's own client", () => {
    expect(problems(production)).toEqual([]);
  });

  it('runs the worker without a sticky cache unless told otherwise (ADR 0035), and refuses a negative size', () => {
    expect(loadConfig(WorkflowsConfig, development).WORKER_MAX_CACHED_WORKFLOWS).toBe(0);
    expect(loadConfig(WorkflowsConfig, { ...development, WORKER_MAX_CACHED_WORKFLOWS: '500' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(500);
    expect(problems({ ...development, WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toEqual(['WORKER_MAX_CACHED_WORKFLOWS: Too small: expected number to be >=0']);
  });

  it('runs workflow code on one thread unless told otherwise, and refuses none', () => {
    expect(loadConfig(WorkflowsConfig, development).WORKER_WORKFLOW_THREADS).toBe(1);
    expect(loadConfig(WorkflowsConfig, { ...development, WORKER_WORKFLOW_THREADS: '4' }).WORKER_WORKFLOW_THREADS).toBe(4);
    expect(problems({ ...development, WORKER_WORKFLOW_THREADS: '0' })).toEqual(['WORKER_WORKFLOW_THREADS: Too small: expected number to be >0']);
  });

  it('keeps no stack per workflow promise unless told to (ADR 0052), and refuses a value that is not true or false', () => {
    expect(loadConfig(WorkflowsConfig, development).WORKER_WORKFLOW_STACK_TRACES).toBe(false);
    expect(loadConfig(WorkflowsConfig, { ...development, WORKER_WORKFLOW_STACK_TRACES: 'true' }).WORKER_WORKFLOW_STACK_TRACES).toBe(true);
    expect(problems({ ...development, WORKER_WORKFLOW_STACK_TRACES: 'yes' })).toEqual(['WORKER_WORKFLOW_STACK_TRACES: Invalid option: expected one of "true"|"false"']);
  });
});
