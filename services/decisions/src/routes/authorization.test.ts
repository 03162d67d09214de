import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  accessByRoute,
  authorizationCases,
  callAs,
  createTestService,
  recordingRoutes,
  testDatabaseUrl,
  testEngines,
  type MatrixOwners,
  type MatrixRequest,
  type RouteAccess,
} from '@kundval/platform/testing';
import { decisionsRoutes } from '../app.js';
import { decisionsMigrations } from '../store/migrations.js';
import type { DecisionsTables } from '../store/schema.js';

/**
 * Who may call what in the decisions service: one row per route, mirroring its `config.roles`.
 * A citizen is refused (403) on another customer's application or decision. Only a case handler
 * reads the identity number behind a customer id (GET /customers/:customerId).
 */
const MATRIX: RouteAccess[] = [
  { route: 'POST /applications', roles: ['case-handler'] },
  { route: 'GET /applications/:applicationId', roles: ['case-handler', 'operator', 'citizen'], ownOnly: ['citizen'], scopedInQuery: true },
  { route: 'POST /applications/:applicationId/assessment', roles: ['case-handler'] },
  { route: 'POST /applications/:applicationId/decision', roles: ['case-handler'] },
  { route: 'GET /decisions/:decisionId', roles: ['case-handler', 'operator', 'citizen'], ownOnly: ['citizen'], scopedInQuery: true },
  // Changes before the end and the expiry: an allowed call really ends the decision.
  { route: 'POST /decisions/:decisionId/changes', roles: ['case-handler'] },
  { route: 'POST /decisions/:decisionId/end', roles: ['case-handler'] },
  { route: 'POST /decisions/:decisionId/expire', roles: ['system'] },
  { route: 'POST /imports/decisions', roles: ['case-handler', 'administrator'] },
  { route: 'POST /tasks', roles: ['system'] },
  { route: 'GET /tasks', roles: ['case-handler', 'operator'] },
  { route: 'POST /tasks/:taskId/done', roles: ['case-handler'] },
  // Only the journey closes tasks whose cause it resolved; a person marks a task done instead.
  { route: 'POST /tasks/close', roles: ['system'] },
  { route: 'GET /customers/:customerId', roles: ['case-handler'] },
  // The console's find by identity number: the answer is the customer id, never the number.
  { route: 'POST /customers/lookup', roles: ['operator', 'case-handler'] },
];

const assessment = { lifeAreas: [{ area: 'self-care', need: 'Help with dressing' }], assessedOn: '2026-01-15' };
const decision = { outcome: 'granted', careHoursPerMonth: 10, serviceHoursPerMonth: 4, validFrom: '2026-02-01', validTo: '2026-07-31' };

/** The customer's records every call is made against, and the request of each route. */
type Fixture = MatrixOwners & { applicationId: string; decisionId: string; taskId: string };
const REQUESTS: Record<string, (f: Fixture) => MatrixRequest> = {
  'POST /applications': () => ({ method: 'POST', url: '/applications', payload: { identityNumber: '19811218-9876', areaId: 'home-care', channel: 'citizen' } }),
  'GET /applications/:applicationId': (f) => ({ method: 'GET', url: `/applications/${f.applicationId}` }),
  'POST /applications/:applicationId/assessment': (f) => ({ method: 'POST', url: `/applications/${f.applicationId}/assessment`, payload: assessment }),
  'POST /applications/:applicationId/decision': (f) => ({ method: 'POST', url: `/applications/${f.applicationId}/decision`, payload: decision }),
  'GET /decisions/:decisionId': (f) => ({ method: 'GET', url: `/decisions/${f.decisionId}` }),
  'POST /decisions/:decisionId/changes': (f) => ({
    method: 'POST',
    url: `/decisions/${f.decisionId}/changes`,
    payload: { effectiveFrom: '2026-03-01', careHoursPerMonth: 12, serviceHoursPerMonth: 4, validTo: '2026-07-31', reason: 'More help in the evening.' },
  }),
  'POST /decisions/:decisionId/end': (f) => ({ method: 'POST', url: `/decisions/${f.decisionId}/end`, payload: { endDate: '2026-05-31', reason: 'moved' } }),
  'POST /decisions/:decisionId/expire': (f) => ({ method: 'POST', url: `/decisions/${f.decisionId}/expire` }),
  'POST /imports/decisions': () => ({
    method: 'POST',
    url: '/imports/decisions',
    payload: { source: 'treserva', records: [{ externalId: 'M-1', identityNumber: '19811218-9876', areaId: 'day-activities', decidedOn: '2026-01-20', outcome: 'granted', level: 1, daysPerWeek: 2, validFrom: '2026-02-01', validTo: '2026-12-31' }] },
  }),
  'POST /tasks': (f) => ({ method: 'POST', url: '/tasks', payload: { applicationId: f.applicationId, kind: 'dispute', key: 'matrix', message: 'The customer disputes a visit.' } }),
  'GET /tasks': () => ({ method: 'GET', url: '/tasks' }),
  'POST /tasks/:taskId/done': (f) => ({ method: 'POST', url: `/tasks/${f.taskId}/done` }),
  'POST /tasks/close': (f) => ({ method: 'POST', url: '/tasks/close', payload: { applicationId: f.applicationId, kind: 'dispute', key: 'matrix', reason: 'The dispute was resolved.' } }),
  'GET /customers/:customerId': (f) => ({ method: 'GET', url: `/customers/${f.customerId}` }),
  'POST /customers/lookup': () => ({ method: 'POST', url: '/customers/lookup', payload: { identityNumber: '19811218-9876' } }),
};

describe.each(testEngines())('decisions authorization matrix on %s', (engine) => {
  let svc: Awaited<ReturnType<typeof createTestService<DecisionsTables>>>;
  let f: Fixture;
  const registered: RouteAccess[] = [];

  beforeAll(async () => {
    svc = await createTestService<DecisionsTables>({
      name: 'decisions',
      schema: 'decisions',
      migrations: decisionsMigrations,
      routes: ({ db, afterCommit }) => recordingRoutes(decisionsRoutes({ db, afterCommit, municipality: 'nacka' }), registered),
      databaseUrl: await testDatabaseUrl(engine, inject('postgresUrl'), 'decisions_matrix'),
    });
    const caseHandler = await svc.as({ role: 'case-handler' });
    const send = async (request: MatrixRequest) => (await svc.app.inject({ ...request, headers: caseHandler })).json<Record<string, string>>();
    // One application decided (for GET /decisions/:id), one only registered (for the assessment and decision calls).
    const decided = await send(REQUESTS['POST /applications']!({} as Fixture));
    await send({ method: 'POST', url: `/applications/${decided['applicationId']}/assessment`, payload: assessment });
    const made = await send({ method: 'POST', url: `/applications/${decided['applicationId']}/decision`, payload: decision });
    const open = await send(REQUESTS['POST /applications']!({} as Fixture));
    const system = await svc.as({ role: 'system' });
    const task = (await svc.app.inject({ ...REQUESTS['POST /tasks']!({ applicationId: open['applicationId'] } as Fixture), headers: system })).json<Record<string, string>>();
    f = { providerId: 'no-provider-here', customerId: open['customerId']!, applicationId: open['applicationId']!, decisionId: made['decisionId']!, taskId: task['taskId']! };
  });
  afterAll(() => svc?.close());

  it('has one row per route, with the roles of its config', () => {
    expect(accessByRoute(MATRIX)).toEqual(accessByRoute(registered));
  });

  for (const c of authorizationCases(MATRIX)) {
    it(`${c.route}: ${c.caller} is ${c.expected}`, async () => {
      const { status, before, after, body } = await callAs(svc, c, REQUESTS[c.route]!(f), f);
      if (c.expected === 'refused') {
        expect(status, body).toBe(c.status);
        expect(after, 'a refused call changes nothing').toEqual(before);
      } else {
        expect([401, 403], body).not.toContain(status);
        expect(status, body).toBeLessThan(500);
      }
    });
  }
});
