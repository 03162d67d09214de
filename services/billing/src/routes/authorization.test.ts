import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessByRoute,
  authorizationCases,
  callAs,
  recordingRoutes,
  testEngines,
  type AllowedEffect,
  type AuthorizationCase,
  type MatrixOwners,
  type MatrixRequest,
  type RouteAccess,
  expectAuthorizationOutcome,
} from '@kundval/platform/testing';
import { VISITS_SETTLEMENT_RATES } from '../test-support/authorization-matrix.js';
import { ensureDemoUnitRateTables } from '../areas.js';
import { NACKA_RATES, routeGroups, seedApprovedMonth, seedOrder, seedRateTable, startBilling, type SeededOrder, type TestBilling } from '../test-support/billing-routes.js';
import { rateRoutes } from './rates/index.js';
import { settlementRoutes } from './settlement/index.js';
import { visitRoutes } from './visits/index.js';

const MATRIX = VISITS_SETTLEMENT_RATES;

/** A one-hour weekday-morning care visit in March 2025 (winter time): 60 minutes at the private weekday-day rate, 310 kr. */
const MARCH_VISIT = [{ kind: 'care' as const, start: '2025-03-04T08:00:00+01:00', end: '2025-03-04T09:00:00+01:00' }];
/** Day activities' three levels at both provider kinds, as PUT /unit-rate-tables takes them. */
const DAY_RATES = ['1', '2', '3'].flatMap((level) => [
  { level, providerKind: 'municipal', orePerUnit: 65_000 },
  { level, providerKind: 'private', orePerUnit: 68_900 },
]);

/**
 * The order every refused call is made against: its March approved, charged and paid, its April
 * open for reports. A refusal must leave it as it was; an allowed command gets records of its own.
 */
type Fixture = MatrixOwners & { orderId: string; applicationId: string; invoiceId: string; paymentId: string };
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
    payload: { municipality: 'matrix', areaId: 'day-activities', validFrom: '2025-01-01', validTo: null, rates: DAY_RATES },
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

type Fresh = {
  /** An order of its own of the matrix's customer at the matrix's provider, March–May 2025. */
  order(): Promise<SeededOrder>;
  /** Such an order of a customer of its own with March approved (one hour of care): ready to charge and pay. */
  approved(): Promise<SeededOrder>;
  /** Such an order of the matrix's customer whose provider reported one April visit. */
  reported(): Promise<SeededOrder>;
  /** Such an order whose customer disputed its one April visit on approving the month. */
  disputed(): Promise<{ order: SeededOrder; visitId: string }>;
  /** A number not used before in this run, for ids and municipalities of their own. */
  n(): number;
};

/** A care hour on April day `n` (summer time): the matrix's customer has one order per call, and one customer's visits may not overlap. */
const aprilVisit = (n: number) => ({ externalId: `matrix-${n}`, kind: 'care', start: `2025-04-${String(n).padStart(2, '0')}T08:00:00+02:00`, end: `2025-04-${String(n).padStart(2, '0')}T09:00:00+02:00` });

/** The request of an allowed call: on fresh records wherever the call changes something. */
const ALLOWED_REQUESTS: Record<string, (f: Fixture, fresh: Fresh, c: AuthorizationCase) => Promise<MatrixRequest>> = {
  'POST /orders/:orderId/visits': async (_f, fresh) => ({ method: 'POST', url: `/orders/${(await fresh.order()).orderId}/visits`, payload: { visits: [aprilVisit(fresh.n())] } }),
  'POST /orders/:orderId/months/:month/approval': async (_f, fresh) => ({ method: 'POST', url: `/orders/${(await fresh.reported()).orderId}/months/2025-04/approval`, payload: {} }),
  'POST /orders/:orderId/months/:month/disputes/resolve': async (_f, fresh) => {
    const { order, visitId } = await fresh.disputed();
    return { method: 'POST', url: `/orders/${order.orderId}/months/2025-04/disputes/resolve`, payload: { approve: [visitId], reject: [] } };
  },
  'POST /orders/:orderId/months/:month/nothing-delivered': async (_f, fresh) => ({ method: 'POST', url: `/orders/${(await fresh.order()).orderId}/months/2025-05/nothing-delivered`, payload: { reason: 'Nothing was delivered.' } }),
  'PUT /customers/:customerId/fee-basis': async (f) => ({ ...REQUESTS['PUT /customers/:customerId/fee-basis']!({ ...f, customerId: randomUUID() }) }),
  'POST /fees': async (_f, fresh) => {
    const o = await fresh.approved();
    return { method: 'POST', url: '/fees', payload: { customerId: o.customerId, applicationId: o.applicationId, month: '2025-03' } };
  },
  'POST /provider-payments': async (_f, fresh) => ({ method: 'POST', url: '/provider-payments', payload: { orderId: (await fresh.approved()).orderId, month: '2025-03' } }),
  'PUT /rate-tables/:rateTableId': async (_f, fresh) => {
    const n = fresh.n();
    return { method: 'PUT', url: `/rate-tables/matrix-rates-${n}`, payload: { ...NACKA_RATES, municipality: `matrix-${n}` } };
  },
  'PUT /unit-rate-tables/:unitRateTableId': async (_f, fresh) => {
    const n = fresh.n();
    return { method: 'PUT', url: `/unit-rate-tables/matrix-day-activities-${n}`, payload: { municipality: `matrix-${n}`, areaId: 'day-activities', validFrom: '2025-01-01', validTo: null, rates: DAY_RATES } };
  },
};

const monthApproved = { audit_log: 1, month_approvals: 1, outbox: 1 };
/**
 * What each allowed call must do, exactly: its status, the rows it adds (an update shows as its
 * audit row), and the key fields of its answer.
 */
const EFFECTS: Record<string, (f: Fixture, c: AuthorizationCase) => AllowedEffect> = {
  'POST /orders/:orderId/visits': () => ({ status: 201, rows: { audit_log: 1, visits: 1 }, body: { visits: [{ externalId: expect.stringMatching(/^matrix-\d+$/), kind: 'care', month: '2025-04', status: 'reported' }] } }),
  'GET /orders/:orderId/visits': (f) => ({ status: 200, rows: {}, body: [{ orderId: f.orderId, kind: 'care', month: '2025-03', status: 'approved', start: '2025-03-04T07:00:00.000Z', end: '2025-03-04T08:00:00.000Z' }] }),
  'POST /orders/:orderId/months/:month/approval': () => ({ status: 201, rows: monthApproved, body: { month: '2025-04', approvedVisits: 1, disputedVisits: 0 } }),
  'POST /orders/:orderId/months/:month/disputes/resolve': () => ({ status: 201, rows: { audit_log: 1, dispute_resolutions: 1, outbox: 1 }, body: { month: '2025-04', approvedVisits: 1, rejectedVisits: 0 } }),
  'POST /orders/:orderId/months/:month/nothing-delivered': () => ({ status: 201, rows: monthApproved, body: { month: '2025-05', approvedVisits: 0, nothingDelivered: true, reason: 'Nothing was delivered.', closedBy: 'case-handler-user' } }),
  'PUT /customers/:customerId/fee-basis': () => ({ status: 200, rows: { audit_log: 1, fee_bases: 1 }, body: { customerId: expect.any(String) } }),
  // One approved hour at Nacka's 312 kr/h tariff, below the maxtaxa; announced as feeCharged v1 and v2.
  'POST /fees': () => ({ status: 201, rows: { audit_log: 1, fee_invoices: 1, outbox: 2 }, body: { month: '2025-03', approvedMinutes: 60, tariffOre: 31_200, feeOre: 31_200, toPayOre: 31_200, appliedCap: 'tariff' } }),
  'GET /customers/:customerId/invoices': (f) => ({ status: 200, rows: {}, body: [{ invoiceId: f.invoiceId, customerId: f.customerId, month: '2025-03', toPayOre: 31_200 }] }),
  'GET /invoices/:invoiceId': (f) => ({ status: 200, rows: {}, body: { invoiceId: f.invoiceId, customerId: f.customerId, month: '2025-03', toPayOre: 31_200 } }),
  'GET /invoices': (f) => ({ status: 200, rows: {}, body: { invoices: expect.arrayContaining([expect.objectContaining({ invoiceId: f.invoiceId, toPayOre: 31_200 })]) } }),
  // One approved weekday-morning hour at the private provider's 310 kr/h.
  'POST /provider-payments': (f) => ({ status: 201, rows: { audit_log: 1, outbox: 1, provider_payments: 1 }, body: { providerId: f.providerId, month: '2025-03', amountOre: 31_000, lines: [{ kind: 'care', band: 'weekday-day', orePerHour: 31_000, minutes: 60, amountOre: 31_000 }] } }),
  'GET /providers/:providerId/payments': (f) => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ paymentId: f.paymentId, orderId: f.orderId, amountOre: 31_000 })]) }),
  'PUT /rate-tables/:rateTableId': () => ({ status: 200, rows: { audit_log: 1, rate_tables: 1 }, body: { rateTableId: expect.stringMatching(/^matrix-rates-\d+$/) } }),
  'GET /rate-tables': () => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ rateTableId: 'nacka-home-care-2024', municipality: 'nacka', areaId: 'home-care' })]) }),
  'PUT /unit-rate-tables/:unitRateTableId': () => ({ status: 200, rows: { audit_log: 1, unit_rate_tables: 1 }, body: { unitRateTableId: expect.stringMatching(/^matrix-day-activities-\d+$/) } }),
  'GET /unit-rate-tables': () => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ unitRateTableId: 'nacka-day-activities-2024', areaId: 'day-activities' })]) }),
};

describe.each(testEngines())('billing authorization matrix on %s', (engine) => {
  let svc: TestBilling;
  let f: Fixture;
  let fresh: Fresh;
  const registered: RouteAccess[] = [];

  beforeAll(async () => {
    svc = await startBilling(engine, 'billing_matrix', (deps) => recordingRoutes(routeGroups(visitRoutes, settlementRoutes, rateRoutes)(deps), registered));
    await seedRateTable(svc.db);
    await ensureDemoUnitRateTables(svc.db, 'nacka');
    const customerId = '00000000-0000-4000-8000-00000000c001';
    const system = await svc.as({ role: 'system' });
    const ok = async (method: 'POST', url: string, headers: Record<string, string>, payload: Record<string, unknown>) => {
      const res = await svc.app.inject({ method, url, headers, payload });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<Record<string, string>>();
    };
    const order = await seedOrder(svc.db, { providerId: 'egen-omsorg', customerId });
    await seedApprovedMonth(svc.db, order, '2025-03', MARCH_VISIT);
    const { invoiceId } = await ok('POST', '/fees', system, { customerId, applicationId: order.applicationId, month: '2025-03' });
    const { paymentId } = await ok('POST', '/provider-payments', system, { orderId: order.orderId, month: '2025-03' });
    f = { ...order, invoiceId: invoiceId!, paymentId: paymentId! };

    let n = 0;
    const provider = await svc.as({ role: 'provider', providerId: f.providerId });
    // The customer's approval, as the journey carries it (ADR 0029).
    const approving = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: `citizen-${customerId}`, role: 'citizen', customerId } });
    fresh = {
      order: () => seedOrder(svc.db, { providerId: f.providerId, customerId }),
      approved: async () => {
        const o = await seedOrder(svc.db, { providerId: f.providerId });
        await seedApprovedMonth(svc.db, o, '2025-03', MARCH_VISIT);
        return o;
      },
      reported: async () => {
        const o = await fresh.order();
        await ok('POST', `/orders/${o.orderId}/visits`, provider, { visits: [aprilVisit(++n)] });
        return o;
      },
      disputed: async () => {
        const o = await fresh.order();
        const { visits } = (await ok('POST', `/orders/${o.orderId}/visits`, provider, { visits: [aprilVisit(++n)] })) as unknown as { visits: Array<{ visitId: string }> };
        await ok('POST', `/orders/${o.orderId}/months/2025-04/approval`, approving, { disputedVisitIds: [visits[0]!.visitId] });
        return { order: o, visitId: visits[0]!.visitId };
      },
      n: () => ++n,
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
      const request = allowedRequest ? await allowedRequest(f, fresh, c) : REQUESTS[c.route]!(f);
      const call = await callAs(svc, c, request, f);
      expectAuthorizationOutcome(c, call, c.expected === 'allowed' ? EFFECTS[c.route]!(f, c) : undefined);
    });
  }
});
