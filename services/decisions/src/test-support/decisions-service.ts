import { inject, expect } from 'vitest';
import { identityCheckDigit } from '@kundval/domain';
import type { FastifyPluginAsyncZod } from '@kundval/platform';
import { createTestService, testDatabaseUrl, type TestEngine } from '@kundval/platform/testing';
import { decisionsRoutes } from '../app.js';
import type { DecisionsDeps } from '../deps.js';
import { decisionsMigrations } from '../store/migrations.js';
import type { DecisionsTables } from '../store/schema.js';

/**
 * The real decisions app over a database of its own on `engine`, serving municipality `nacka`.
 * `routes` picks the route groups under test (all by default) and may wrap them.
 */
export async function startDecisions(engine: TestEngine, label: string, routes: (deps: DecisionsDeps) => FastifyPluginAsyncZod = decisionsRoutes) {
  return createTestService<DecisionsTables>({
    name: 'decisions',
    schema: 'decisions',
    migrations: decisionsMigrations,
    routes: ({ db, afterCommit }) => routes({ db, afterCommit, municipality: 'nacka' }),
    databaseUrl: await testDatabaseUrl(engine, inject('postgresUrl'), label),
  });
}
export type TestDecisions = Awaited<ReturnType<typeof startDecisions>>;

/** A valid personnummer (YYYYMMDD-NNNC) of its own for each `n`, so that tests can tell customers apart. */
export function testIdentityNumber(n: number): string {
  const yy = String(30 + (Math.floor(n / 1000) % 60)).padStart(2, '0');
  const birth = String(n % 1000).padStart(3, '0');
  const nine = `${yy}0515${birth}`;
  return `19${yy}0515-${birth}${identityCheckDigit(nine)}`;
}

export const ASSESSMENT = { lifeAreas: [{ area: 'self-care', need: 'Help with dressing' }], assessedOn: '2026-01-15' };
export const HOME_CARE_GRANT = { outcome: 'granted', careHoursPerMonth: 10, serviceHoursPerMonth: 4, validFrom: '2026-02-01', validTo: '2026-07-31' };

/** The case handler's steps, each asserting its answer, for tests whose subject comes after them. */
export function caseHandlerSteps(svc: TestDecisions, headers: Record<string, string>) {
  const steps = {
    async apply(areaId = 'home-care', identityNumber = testIdentityNumber(1)) {
      const res = await svc.app.inject({ method: 'POST', url: '/applications', headers, payload: { identityNumber, areaId, channel: 'citizen' } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ applicationId: string; customerId: string }>();
    },
    async assess(applicationId: string) {
      const res = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/assessment`, headers, payload: ASSESSMENT });
      expect(res.statusCode, res.body).toBe(201);
    },
    /** Applies, assesses where the area needs it, and decides; returns the decision. */
    async decided(areaId: string, decision: Record<string, unknown>, identityNumber?: string) {
      const { applicationId } = await steps.apply(areaId, identityNumber);
      if (areaId === 'home-care' || areaId === 'nursing-home') await steps.assess(applicationId);
      const res = await svc.app.inject({ method: 'POST', url: `/applications/${applicationId}/decision`, headers, payload: decision });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<DecisionJson>();
    },
  };
  return steps;
}

export type DecisionJson = {
  decisionId: string;
  applicationId: string;
  customerId: string;
  areaId: string;
  outcome: string;
  careHoursPerMonth: number;
  serviceHoursPerMonth: number;
  level: number | null;
  careNeedPoints: number | null;
  daysPerWeek: number | null;
  validFrom: string;
  validTo: string;
  version: number;
  effectiveFrom: string;
  ended: { endDate: string; reason: string } | null;
  history: Array<{ version: number; kind: string; effectiveFrom: string; careHoursPerMonth: number; validTo: string; level: number | null; reason: string | null }>;
};

/** The 400 answer's issues, field → reason. */
export function issuesOf(body: string): Record<string, string> {
  const parsed = JSON.parse(body) as { issues?: Array<{ field: string; reason: string }> };
  return Object.fromEntries((parsed.issues ?? []).map((i) => [i.field, i.reason]));
}
