import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessByRoute,
  authorizationCases,
  callAs,
  recordingRoutes,
  testEngines,
  type MatrixOwners,
  type MatrixRequest,
  type RouteAccess,
} from '@kundval/platform/testing';
import { NACKA_RATES, routeGroups, seedApprovedMonth, seedOrder, seedRateTable, startBilling, type TestBilling } from '../test-support/billing-routes.js';
import { rateRoutes } from './rates/index.js';
import { settlementRoutes } from './settlement/index.js';
import { visitRoutes } from './visits/index.js';

/**
 * Who may call what in billing's visit, settlement and rate routes: one row per route, mirroring
 * its `config.roles`. `ownOnly` roles are refused (403) on another's owner in the path; for
 * `hidesOthers` roles another's record is not found (404, ADR 0042). The other route groups
 * (finance, imports, deliveries, statements, billing runs) join this table by registering their
 * group below and adding their rows: the first test then holds them to their config too.
 */
const MATRIX: RouteAccess[] = [
  { route: 'POST /orders/:orderId/visits', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'GET /orders/:orderId/visits', roles: ['provider', 'citizen', 'case-handler', 'operator', 'finance'], hidesOthers: ['provider', 'citizen'] },
  { route: 'POST /orders/:orderId/months/:month/approval', roles: ['citizen', 'case-handler', 'system'], hidesOthers: ['citizen'] },
  { route: 'POST /orders/:orderId/months/:month/disputes/resolve', roles: ['case-handler'] },
  { route: 'POST /orders/:orderId/months/:month/nothing-delivered', roles: ['case-handler'] },
  { route: 'PUT /customers/:customerId/fee-basis', roles: ['case-handler'] },
  { route: 'POST /fees', roles: ['system', 'finance'] },
  { route: 'GET /customers/:customerId/invoices', roles: ['citizen', 'case-handler', 'finance', 'operator'], ownOnly: ['citizen'] },
  { route: 'GET /invoices/:invoiceId', roles: ['citizen', 'finance'], hidesOthers: ['citizen'] },
  { route: 'GET /invoices', roles: ['finance'] },
  { route: 'POST /provider-payments', roles: ['system', 'finance'] },
  { route: 'GET /providers/:providerId/payments', roles: ['provider', 'finance', 'operator'], ownOnly: ['provider'] },
  { route: 'PUT /rate-tables/:rateTableId', roles: ['finance', 'administrator'] },
  { route: 'GET /rate-tables', roles: ['finance', 'administrator', 'operator', 'provider', 'case-handler'] },
  { route: 'PUT /unit-rate-tables/:unitRateTableId', roles: ['finance', 'administrator'] },
  { route: 'GET /unit-rate-tables', roles: ['finance', 'administrator', 'operator', 'provider', 'case-handler'] },
];

/** The order every call is made against: its March approved and charged, its April open for reports. */
type Fixture = MatrixOwners & { orderId: string; applicationId: string; invoiceId: string };
const REQUESTS: Record<string, (f: Fixture) => MatrixRequest> = {
  'POST /orders/:orderId/visits': (f) => ({
    method: 'POST',
    url: `/orders/${f.orderId}/visits`,
    payload: { visits: [{ externalId: 'matrix-1', kind: 'care', start: '2025-04-02T08:00:00+02:00', end: '2025-04-02T09:00:00+02:00' }] },
  }),
  'GET /orders/:orderId/visits': (f) => ({ method: 'GET', url: `/orders/${f.orderId}/visits?month=2025-03` }),
  'POST /orders/:orderId/months/:month/approval': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/months/2025-04/approval`, payload: {} }),
  'POST /orders/:orderId/months/:month/disputes/resolve': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/months/2025-03/disputes/resolve`, payload: { approve: [], reject: [] } }),
  'POST /orders/:orderId/months/:month/nothing-delivered': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/months/2025-05/nothing-delivered`, payload: { reason: 'Nothing was delivered.' } }),
  'GET /invoices/:invoiceId': (f) => ({ method: 'GET', url: `/invoices/${f.invoiceId}` }),
  'GET /invoices': () => ({ method: 'GET', url: '/invoices?month=2025-03' }),
  'PUT /unit-rate-tables/:unitRateTableId': () => ({
    method: 'PUT',
    url: '/unit-rate-tables/matrix-day-activities',
    payload: { municipality: 'matrix', areaId: 'day-activities', validFrom: '2025-01-01', validTo: null, rates: [{ level: '1', providerKind: 'private', orePerUnit: 50_000 }] },
  }),
  'GET /unit-rate-tables': () => ({ method: 'GET', url: '/unit-rate-tables?areaId=day-activities' }),
  'PUT /customers/:customerId/fee-basis': (f) => ({ method: 'PUT', url: `/customers/${f.customerId}/fee-basis`, payload: { netIncomeOre: 2_000_000, housingCostOre: 500_000, household: 'single' } }),
  'POST /fees': (f) => ({ method: 'POST', url: '/fees', payload: { customerId: f.customerId, applicationId: f.applicationId, month: '2025-03' } }),
  'GET /customers/:customerId/invoices': (f) => ({ method: 'GET', url: `/customers/${f.customerId}/invoices` }),
  'POST /provider-payments': (f) => ({ method: 'POST', url: '/provider-payments', payload: { orderId: f.orderId, month: '2025-03' } }),
  'GET /providers/:providerId/payments': (f) => ({ method: 'GET', url: `/providers/${f.providerId}/payments` }),
  'PUT /rate-tables/:rateTableId': () => ({ method: 'PUT', url: '/rate-tables/matrix-rates', payload: { ...NACKA_RATES, municipality: 'matrix' } }),
  'GET /rate-tables': () => ({ method: 'GET', url: '/rate-tables?areaId=home-care' }),
};

describe.each(testEngines())('billing authorization matrix on %s', (engine) => {
  let svc: TestBilling;
  let f: Fixture;
  const registered: RouteAccess[] = [];

  beforeAll(async () => {
    svc = await startBilling(engine, 'billing_matrix', (deps) => recordingRoutes(routeGroups(visitRoutes, settlementRoutes, rateRoutes)(deps), registered));
    await seedRateTable(svc.db);
    const order = await seedOrder(svc.db, { providerId: 'egen-omsorg', customerId: '00000000-0000-4000-8000-00000000c001' });
    await seedApprovedMonth(svc.db, order, '2025-03', [{ kind: 'care', start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }]);
    const invoice = await svc.app.inject({ ...REQUESTS['POST /fees']!({ ...order, invoiceId: '' }), headers: await svc.as({ role: 'system' }) });
    f = { ...order, invoiceId: invoice.json<{ invoiceId: string }>().invoiceId };
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
