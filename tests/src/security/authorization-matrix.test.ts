import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from '@kundval/infra';
import { registeredRoutes, renderAuthorizationMatrix } from './authorization-matrix.js';

describe('the authorization matrix in docs/authorization.md', () => {
  it('is the one the routes give: a new route, or a changed role or scope, must be regenerated (npm run docs:authorization)', async () => {
    const rows = await registeredRoutes();
    // Every service is there, and every route carries roles or is open to any authenticated role, and a scope.
    expect([...new Set(rows.map((r) => r.service))]).toEqual(['decisions', 'orders', 'billing', 'workflows']);
    expect(rows.find((r) => r.service === 'decisions' && r.method === 'POST' && r.path === '/imports/decisions')).toMatchObject({ roles: ['case-handler', 'administrator'], scope: 'decisions:import' });
    expect(rows.find((r) => r.service === 'billing' && r.method === 'POST' && r.path === '/payment-batches')).toMatchObject({ roles: ['finance'], scope: 'billing:pay' });
    const committed = await readFile(join(findRepoRoot(), 'docs', 'authorization.md'), 'utf8');
    expect(committed, 'docs/authorization.md differs from the routes: run npm run docs:authorization').toBe(renderAuthorizationMatrix(rows));
  }, 60_000);
});
