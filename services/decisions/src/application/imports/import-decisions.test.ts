import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { Principal } from '@kundval/contracts';
import { testIdentityNumber } from '../../test-support/decisions-service.js';
import { inUseCase, openDecisionsStore } from '../../test-support/use-cases.js';
import { importDecisions } from './import-decisions.js';

const caseHandler: Principal = { sub: 'handlaggare-1', role: 'case-handler' };
const record = (overrides: Record<string, unknown> = {}) => ({
  externalId: 'T-1001',
  identityNumber: testIdentityNumber(31),
  areaId: 'home-care',
  decidedOn: '2026-01-10',
  outcome: 'granted',
  careHoursPerMonth: 12,
  serviceHoursPerMonth: 3,
  validFrom: '2026-02-01',
  validTo: '2026-12-31',
  ...overrides,
});

// The import of external decisions as a use case: straight against the database, no app, no HTTP.
describe.each(testEngines())('the decision import use case on %s', (engine) => {
  let store: Awaited<ReturnType<typeof openDecisionsStore>>;
  beforeAll(async () => {
    store = await openDecisionsStore(engine, 'decisions_import_use_case');
  });
  afterAll(() => store?.close());
  const run = (records: unknown[]) => inUseCase(store.db, caseHandler, (ctx) => importDecisions(ctx, { source: 'treserva', records }));

  it('creates a decision once, finds it unchanged when sent again, changes it for new terms, and rejects a bad record alone', async () => {
    const first = await run([record(), record({ externalId: 'T-1002', identityNumber: 'not-a-number' })]);
    expect(first.result).toMatchObject({ source: 'treserva', received: 2, created: 1, changed: 0, unchanged: 0, rejected: 1 });
    expect(first.result.results[0]).toMatchObject({ index: 0, externalId: 'T-1001', status: 'created', errors: [] });
    expect(first.result.results[1]).toMatchObject({ index: 1, externalId: 'T-1002', status: 'rejected', decisionId: null });
    const again = await run([record()]);
    expect(again.result.results[0]).toMatchObject({ status: 'unchanged', decisionId: first.result.results[0]!.decisionId });
    const changed = await run([record({ careHoursPerMonth: 16, decidedOn: '2026-03-01' })]);
    expect(changed.result.results[0]).toMatchObject({ status: 'changed', decisionId: first.result.results[0]!.decisionId });
    const decision = await store.db.selectFrom('decisions').select(['care_hours_per_month', 'effective_from', 'version']).where('decision_id', '=', first.result.results[0]!.decisionId!).executeTakeFirstOrThrow();
    expect(decision).toEqual({ care_hours_per_month: '16.00', effective_from: '2026-03-01', version: 2 });
  });
});
