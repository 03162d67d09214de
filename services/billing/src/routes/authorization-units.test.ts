import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessByRoute, authorizationCases, callAs, recordingRoutes, testEngines, type MatrixOwners, type MatrixRequest, type RouteAccess } from '@kundval/platform/testing';
import { routeGroups, seedApprovedMonth, seedOrder, seedRateTable, startBilling, type TestBilling } from '../test-support/billing-routes.js';
import { billingRunRoutes } from './billing-runs/index.js';
import { deliveryRoutes } from './deliveries/index.js';
import { rechargeRoutes } from './recharges/index.js';
import { statementRoutes } from './statements/index.js';
import { followUpRoutes } from './follow-up/index.js';

/**
 * Who may call billing's delivery, statement, billing-run, recharge and follow-up routes: one row per route, mirroring
 * its `config.roles` (the visit, settlement and rate routes have their matrix in authorization.test.ts).
 */
const MATRIX: RouteAccess[] = [
  { route: 'POST /orders/:orderId/occupancy', roles: ['provider', 'case-handler'], hidesOthers: ['provider'] },
  { route: 'POST /orders/:orderId/attendance', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'GET /providers/:providerId/statements/:month', roles: ['provider', 'finance', 'operator'], ownOnly: ['provider'] },
  { route: 'POST /billing-runs', roles: ['finance', 'system'] },
  { route: 'GET /billing-runs/:month', roles: ['finance', 'operator', 'system'] },
  { route: 'GET /municipal-recharges', roles: ['finance', 'operator'] },
  { route: 'GET /municipal-recharges/netting', roles: ['finance', 'operator'] },
  { route: 'GET /follow-up/granted-delivered', roles: ['finance', 'case-handler', 'operator', 'provider'], ownOnly: ['provider'] },
  { route: 'GET /follow-up/granted-delivered.csv', roles: ['finance', 'case-handler', 'operator', 'provider'], ownOnly: ['provider'] },
  { route: 'POST /follow-up/alerts', roles: ['case-handler', 'operator', 'system'] },
  { route: 'GET /follow-up/alerts', roles: ['case-handler', 'operator', 'finance'] },
];

type Fixture = MatrixOwners & { orderId: string };
const REQUESTS: Record<string, (f: Fixture) => MatrixRequest> = {
  'POST /orders/:orderId/occupancy': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/occupancy`, payload: { kind: 'moved-in', from: '2025-03-01' } }),
  'POST /orders/:orderId/attendance': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/attendance`, payload: { days: ['2025-04-02'] } }),
  'GET /providers/:providerId/statements/:month': (f) => ({ method: 'GET', url: `/providers/${f.providerId}/statements/2025-03` }),
  'POST /billing-runs': () => ({ method: 'POST', url: '/billing-runs', payload: { month: '2025-03' } }),
  'GET /billing-runs/:month': () => ({ method: 'GET', url: '/billing-runs/2025-03' }),
  'GET /municipal-recharges': () => ({ method: 'GET', url: '/municipal-recharges?periodMonth=2025-03' }),
  'GET /municipal-recharges/netting': () => ({ method: 'GET', url: '/municipal-recharges/netting?periodMonth=2025-03' }),
  'GET /follow-up/granted-delivered': (f) => ({ method: 'GET', url: `/follow-up/granted-delivered?month=2025-03&providerId=${f.providerId}` }),
  'GET /follow-up/granted-delivered.csv': (f) => ({ method: 'GET', url: `/follow-up/granted-delivered.csv?month=2025-03&providerId=${f.providerId}` }),
  'POST /follow-up/alerts': () => ({ method: 'POST', url: '/follow-up/alerts', payload: { month: '2025-03' } }),
  'GET /follow-up/alerts': () => ({ method: 'GET', url: '/follow-up/alerts' }),
};

describe.each(testEngines())('billing authorization matrix of deliveries, statements and runs on %s', (engine) => {
  let svc: TestBilling;
  let f: Fixture;
  const registered: RouteAccess[] = [];

  beforeAll(async () => {
    svc = await startBilling(engine, 'billing_matrix_units', (deps) => recordingRoutes(routeGroups(deliveryRoutes, statementRoutes, billingRunRoutes, rechargeRoutes, (deps) => followUpRoutes(deps))(deps), registered));
    await seedRateTable(svc.db);
    const order = await seedOrder(svc.db, { providerId: 'egen-omsorg', customerId: '00000000-0000-4000-8000-00000000c001' });
    await seedApprovedMonth(svc.db, order, '2025-03', [{ kind: 'care', start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }]);
    f = order;
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
