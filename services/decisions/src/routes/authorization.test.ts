import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  accessByRoute,
  authorizationCases,
  callAs,
  createTestService,
  recordingRoutes,
  testDatabaseUrl,
  testEngines,
  type AllowedEffect,
  type AuthorizationCase,
  type MatrixOwners,
  type MatrixRequest,
  type RouteAccess,
  expectAuthorizationOutcome,
} from '@kundval/platform/testing';
import { decisionsRoutes } from '../app.js';
import { decisionsMigrations } from '../store/migrations.js';
import type { DecisionsTables } from '../store/schema.js';

/**
 * Who may call what in the decisions service: one row per route, mirroring its `config.roles`.
 * Another customer's application or decision is not found for a citizen (404). Only a case handler
 * reads the identity number behind a customer id (GET /customers/:customerId).
 */
const MATRIX: RouteAccess[] = [
  { route: 'POST /applications', roles: ['case-handler'] },
  { route: 'GET /applications/:applicationId', roles: ['case-handler', 'operator', 'citizen'], hidesOthers: ['citizen'] },
  { route: 'POST /applications/:applicationId/assessment', roles: ['case-handler'] },
  { route: 'POST /applications/:applicationId/decision', roles: ['case-handler'] },
  { route: 'GET /decisions/:decisionId', roles: ['case-handler', 'operator', 'citizen'], hidesOthers: ['citizen'] },
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

/** An allowed call that would repeat an earlier one gets records of its own, so it shows its own effect. */
type Fresh = { n(): number; decided(): Promise<string>; task(): Promise<string> };
const ALLOWED_REQUESTS: Record<string, (f: Fixture, fresh: Fresh) => Promise<MatrixRequest>> = {
  'POST /imports/decisions': async (_f, fresh) => {
    const n = fresh.n();
    return {
      method: 'POST',
      url: '/imports/decisions',
      payload: { source: 'treserva', records: [{ externalId: `M-${n}`, identityNumber: '19811218-9876', areaId: 'day-activities', decidedOn: '2026-01-20', outcome: 'granted', level: 1, daysPerWeek: 2, validFrom: `2026-0${n + 1}-01`, validTo: '2026-12-31' }] },
    };
  },
  'POST /decisions/:decisionId/expire': async (_f, fresh) => ({ method: 'POST', url: `/decisions/${await fresh.decided()}/expire` }),
  'POST /tasks': async (f, fresh) => ({ method: 'POST', url: '/tasks', payload: { applicationId: f.applicationId, kind: 'dispute', key: `matrix-${fresh.n()}`, message: 'The customer disputes a visit.' } }),
  'POST /tasks/close': async (f, fresh) => ({ method: 'POST', url: '/tasks/close', payload: { applicationId: f.applicationId, kind: 'dispute', key: await fresh.task(), reason: 'The dispute was resolved.' } }),
};

const audited = { audit_log: 1 };
/** What each allowed call must do, exactly: its status, the rows it adds (an update shows as its audit row) and its answer's key fields. */
const EFFECTS: Record<string, (f: Fixture, c: AuthorizationCase) => AllowedEffect> = {
  'POST /applications': () => ({ status: 201, rows: { applications: 1, audit_log: 1, outbox: 1 }, body: { areaId: 'home-care', municipality: 'nacka', status: 'received' } }),
  'GET /applications/:applicationId': (f) => ({ status: 200, rows: {}, body: { applicationId: f.applicationId, customerId: f.customerId } }),
  'POST /applications/:applicationId/assessment': (f) => ({ status: 201, rows: { assessments: 1, audit_log: 1, outbox: 1 }, body: { applicationId: f.applicationId, assessedOn: '2026-01-15' } }),
  'POST /applications/:applicationId/decision': (f) => ({ status: 201, rows: { audit_log: 1, decision_versions: 1, decisions: 1, outbox: 1 }, body: { applicationId: f.applicationId, outcome: 'granted' } }),
  'GET /decisions/:decisionId': (f) => ({ status: 200, rows: {}, body: { decisionId: f.decisionId, customerId: f.customerId } }),
  'POST /decisions/:decisionId/changes': (f) => ({ status: 201, rows: { audit_log: 1, decision_versions: 1, outbox: 1 }, body: { decisionId: f.decisionId, careHoursPerMonth: 12 } }),
  'POST /decisions/:decisionId/end': (f) => ({ status: 200, rows: { audit_log: 1, outbox: 1 }, body: { decisionId: f.decisionId, ended: { endDate: '2026-05-31', reason: 'moved' } } }),
  'POST /decisions/:decisionId/expire': () => ({ status: 200, rows: { audit_log: 1, outbox: 1 }, body: { ended: { endDate: '2026-07-31', reason: 'expired' } } }),
  'POST /imports/decisions': () => ({ status: 200, rows: { applications: 1, audit_log: 1, decision_imports: 1, decision_versions: 1, decisions: 1, outbox: 2 }, body: { received: 1, created: 1, rejected: 0 } }),
  'POST /tasks': () => ({ status: 201, rows: { audit_log: 1, tasks: 1 }, body: { kind: 'dispute', status: 'open' } }),
  'GET /tasks': (f) => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ taskId: f.taskId })]) }),
  'POST /tasks/:taskId/done': (f) => ({ status: 200, rows: audited, body: { taskId: f.taskId, status: 'done' } }),
  'POST /tasks/close': () => ({ status: 200, rows: audited, body: { closed: [expect.objectContaining({ kind: 'dispute', status: 'done' })] } }),
  'GET /customers/:customerId': (f) => ({ status: 200, rows: audited, body: { customerId: f.customerId, identityNumber: '19811218-9876' } }),
  'POST /customers/lookup': (f) => ({ status: 200, rows: audited, body: { customerId: f.customerId } }),
};

describe.each(testEngines())('decisions authorization matrix on %s', (engine) => {
  let svc: Awaited<ReturnType<typeof createTestService<DecisionsTables>>>;
  let f: Fixture;
  let fresh: Fresh;
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
    let n = 0;
    fresh = {
      n: () => ++n,
      decided: async () => {
        const applied = await send(REQUESTS['POST /applications']!({} as Fixture));
        await send({ method: 'POST', url: `/applications/${applied['applicationId']}/assessment`, payload: assessment });
        return (await send({ method: 'POST', url: `/applications/${applied['applicationId']}/decision`, payload: decision }))['decisionId']!;
      },
      task: async () => {
        const key = `closing-${++n}`;
        await svc.app.inject({ method: 'POST', url: '/tasks', headers: system, payload: { applicationId: f.applicationId, kind: 'dispute', key, message: 'The customer disputes a visit.' } });
        return key;
      },
    };
  });
  afterAll(() => svc?.close());

  it('has one row per route, with the roles of its config', () => {
    expect(accessByRoute(MATRIX)).toEqual(accessByRoute(registered));
  });

  it('names the exact effect of every route', () => {
    expect(Object.keys(EFFECTS).sort()).toEqual(MATRIX.map((r) => r.route).sort());
  });

  for (const c of authorizationCases(MATRIX)) {
    it(`${c.route}: ${c.caller} is ${c.expected}`, async () => {
      const allowedRequest = c.expected === 'allowed' ? ALLOWED_REQUESTS[c.route] : undefined;
      const call = await callAs(svc, c, allowedRequest ? await allowedRequest(f, fresh) : REQUESTS[c.route]!(f), f);
      expectAuthorizationOutcome(c, call, c.expected === 'allowed' ? EFFECTS[c.route]!(f, c) : undefined);
    });
  }
});
