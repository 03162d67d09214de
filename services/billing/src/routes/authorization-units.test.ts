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
import { DELIVERIES_RUNS_FOLLOW_UP } from '../test-support/authorization-matrix.js';
import { ensureDemoUnitRateTables } from '../areas.js';
import { loadDeviationRule } from '../follow-up/config.js';
import { routeGroups, seedApprovedMonth, seedOrder, seedRateTable, startBilling, type TestBilling } from '../test-support/billing-routes.js';
import { placeOrder } from '../test-support/corrections.js';
import { billingRunRoutes } from './billing-runs/index.js';
import { deliveryRoutes } from './deliveries/index.js';
import { rechargeRoutes } from './recharges/index.js';
import { statementRoutes } from './statements/index.js';
import { followUpRoutes } from './follow-up/index.js';
import { importRoutes } from './imports/index.js';
import { sessionRoutes } from './sessions/index.js';

const MATRIX = DELIVERIES_RUNS_FOLLOW_UP;

/** One hour of care on a weekday morning: 60 minutes at the private weekday-day rate (310 kr) and the 312 kr/h tariff. */
const careHour = (date: string, offset: string) => [{ kind: 'care' as const, start: `${date}T08:00:00${offset}`, end: `${date}T09:00:00${offset}` }];

/**
 * The records every refused call is made against: a home-care order whose March is approved and
 * paid by March's billing run, beside another municipality's placement at another provider
 * (recharged by that run), and an alert raised for an order that delivered nothing two months
 * running. A refusal must leave them as they were; an allowed command gets records of its own, in
 * months no other call reads.
 */
type Fixture = MatrixOwners & { orderId: string; runId: string; placedOrderId: string; alertOrderId: string; sessionOrderId: string };
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
  'POST /follow-up/alerts': () => ({ method: 'POST', url: '/follow-up/alerts', payload: { month: '2023-02' } }),
  'GET /follow-up/alerts': () => ({ method: 'GET', url: '/follow-up/alerts' }),
  'POST /orders/:orderId/sessions': (f) => ({ method: 'POST', url: `/orders/${f.sessionOrderId}/sessions`, payload: { sessions: [{ externalId: 'matrix-refused', date: '2025-10-14' }] } }),
  'GET /orders/:orderId/sessions': (f) => ({ method: 'GET', url: `/orders/${f.sessionOrderId}/sessions?month=2025-10` }),
  'POST /orders/:orderId/sessions/import': (f) => ({ method: 'POST', url: `/orders/${f.sessionOrderId}/sessions/import`, headers: { 'content-type': 'text/csv' }, payload: sessionCsv('matrix-refused', '2025-10-14') }),
  'POST /orders/:orderId/visits/import': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/visits/import`, headers: { 'content-type': 'text/csv' }, payload: visitCsv('matrix-refused', '2025-04-07') }),
};

/** A sessions file of one session. */
const sessionCsv = (externalId: string, date: string) => `external_id;date\r\n${externalId};${date}\r\n`;
/** A visits file of one care hour, 08:00–09:00 UTC on `date`. */
const visitCsv = (externalId: string, date: string) => `external_id;kind;start;end\r\n${externalId};care;${date}T08:00:00Z;${date}T09:00:00Z\r\n`;

type Fresh = {
  /** A nursing-home place (level 4) of its own at the matrix's provider, for August 2025. */
  nursingHome(): Promise<string>;
  /** A day-activities order (level 1) of its own at the matrix's provider, for September 2025. */
  dayActivity(): Promise<string>;
  /** A month of its own in 2024 with one home-care order in force, its one care hour approved: for a billing run. */
  runMonth(): Promise<string>;
  /** A month of its own in 2023 ending an order in force two months in which nothing was delivered: for an alert. */
  alertMonth(): Promise<string>;
  /** A family-counselling order (paid per session) of its own at the matrix's provider, April 2025. */
  sessionOrder(): Promise<string>;
  /** A home-care order of its own at the matrix's provider for a customer of its own, April 2025. */
  homeCare(): Promise<string>;
};

/** The request of an allowed call: on fresh records wherever the call changes something. */
const ALLOWED_REQUESTS: Record<string, (f: Fixture, fresh: Fresh, c: AuthorizationCase) => Promise<MatrixRequest>> = {
  'POST /orders/:orderId/occupancy': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.nursingHome()}/occupancy`, payload: { kind: 'moved-in', from: '2025-08-01' } }),
  'POST /orders/:orderId/attendance': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.dayActivity()}/attendance`, payload: { days: ['2025-09-02'] } }),
  'POST /billing-runs': async (_f, fresh) => ({ method: 'POST', url: '/billing-runs', payload: { month: await fresh.runMonth() } }),
  'POST /follow-up/alerts': async (_f, fresh) => ({ method: 'POST', url: '/follow-up/alerts', payload: { month: await fresh.alertMonth() } }),
  'POST /orders/:orderId/sessions': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.sessionOrder()}/sessions`, payload: { sessions: [{ externalId: 'matrix-s-2', date: '2025-04-08' }] } }),
  'POST /orders/:orderId/sessions/import': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.sessionOrder()}/sessions/import`, headers: { 'content-type': 'text/csv' }, payload: sessionCsv('matrix-s-3', '2025-04-09') }),
  'POST /orders/:orderId/visits/import': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.homeCare()}/visits/import`, headers: { 'content-type': 'text/csv' }, payload: visitCsv('matrix-v-1', '2025-04-07') }),
};

/**
 * What each allowed call must do, exactly: its status, the rows it adds (an update shows as its
 * audit row), and the key fields of its answer.
 */
const EFFECTS: Record<string, (f: Fixture, c: AuthorizationCase) => AllowedEffect> = {
  'POST /orders/:orderId/occupancy': () => ({ status: 201, rows: { audit_log: 1, occupancy_periods: 1, outbox: 1 }, body: { kind: 'moved-in', from: '2025-08-01', to: null, placement: { moveIn: '2025-08-01', moveOut: null, hospitalStays: [] } } }),
  'POST /orders/:orderId/attendance': () => ({ status: 201, rows: { attendance_days: 1, audit_log: 1, outbox: 1 }, body: { recorded: 1, unchanged: 0, days: [{ date: '2025-09-02', month: '2025-09', status: 'reported' }] } }),
  // March's run paid the one approved hour (310 kr): nothing is outstanding.
  'GET /providers/:providerId/statements/:month': (f) => ({ status: 200, rows: {}, body: { providerId: f.providerId, month: '2025-03', totalOre: 31_000, visitCount: 1, paidOre: 31_000, outstandingOre: 0 } }),
  // One provider's statement and payment (310 kr) and one customer's fee (312 kr), each audited, the run itself,
  // and the customer's tally of the month's deliveries the fee is charged from (one area).
  'POST /billing-runs': () => ({
    status: 201,
    rows: { audit_log: 4, billing_run_deliveries: 1, billing_runs: 1, fee_invoices: 1, outbox: 3, provider_payments: 1, provider_statements: 1 },
    body: { status: 'completed', counts: { providers: 1, statements: 1, orders: 1, visits: 1, payments: 1, invoices: 1 }, totals: { statementsOre: 31_000, paymentsOre: 31_000, feesOre: 31_200 } },
  }),
  'GET /billing-runs/:month': (f) => ({ status: 200, rows: {}, body: { runId: f.runId, month: '2025-03', status: 'completed' } }),
  'GET /municipal-recharges': (f) => ({
    status: 200,
    rows: {},
    body: { periodMonth: '2025-03', recharges: [{ orderId: f.placedOrderId, decidingMunicipality: 'varmdo', month: '2025-03', amountOre: 31_000 }], totals: [{ decidingMunicipality: 'varmdo', recharges: 1, amountOre: 31_000 }], totalOre: 31_000 },
  }),
  'GET /municipal-recharges/netting': () => ({ status: 200, rows: {}, body: { periodMonth: '2025-03', lines: [{ decidingMunicipality: 'varmdo', month: '2025-03', rechargeOre: 31_000 }], totals: [{ decidingMunicipality: 'varmdo', rechargeOre: 31_000 }] } }),
  'GET /follow-up/granted-delivered': (f) => ({
    status: 200,
    rows: {},
    body: { month: '2025-03', customers: [{ orderId: f.orderId, customerId: f.customerId, providerId: f.providerId, delivered: 60, approved: 60, paidOre: 31_000 }], providers: [{ providerId: f.providerId, customers: 1, delivered: 60, approved: 60, paidOre: 31_000 }] },
  }),
  'GET /follow-up/granted-delivered.csv': (f) => ({ status: 200, rows: {}, text: true, body: expect.stringContaining(`\r\n2025-03;${f.customerId};${f.orderId};${f.providerId};home-care;minutes;;;60;60;31000;\r\n`) }),
  // An order in force two months, nothing delivered in either: under-delivery, announced for the case handler.
  'POST /follow-up/alerts': () => ({ status: 200, rows: { audit_log: 1, follow_up_alerts: 1, outbox: 1 }, body: { raised: [{ kind: 'under-delivery', shares: [0, 0] }] } }),
  'GET /follow-up/alerts': (f) => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ orderId: f.alertOrderId, kind: 'under-delivery', raisedMonth: '2023-02' })]) }),
  'POST /orders/:orderId/sessions': () => ({ status: 201, rows: { audit_log: 1, outbox: 1, sessions: 1 }, body: { recorded: 1, unchanged: 0, sessions: [{ externalId: 'matrix-s-2', date: '2025-04-08', month: '2025-04', status: 'reported' }] } }),
  'GET /orders/:orderId/sessions': (f) => ({ status: 200, rows: {}, body: [{ orderId: f.sessionOrderId, externalId: 'matrix-s-1', date: '2025-10-07', month: '2025-10', status: 'reported' }] }),
  'POST /orders/:orderId/sessions/import': () => ({ status: 200, rows: { audit_log: 1, outbox: 1, sessions: 1 }, body: { imported: 1, unchanged: 0, rejected: [] } }),
  'POST /orders/:orderId/visits/import': () => ({ status: 200, rows: { audit_log: 1, visits: 1 }, body: { imported: 1, unchanged: 0, rejected: [] } }),
};

describe.each(testEngines())('billing authorization matrix of deliveries, statements and runs on %s', (engine) => {
  let svc: TestBilling;
  let f: Fixture;
  let fresh: Fresh;
  const registered: RouteAccess[] = [];

  beforeAll(async () => {
    // The deviation rule's defaults (0.8–1.1, two months), whatever the environment says.
    const rule = loadDeviationRule({});
    svc = await startBilling(engine, 'billing_matrix_units', (deps) => recordingRoutes(routeGroups(deliveryRoutes, sessionRoutes, importRoutes, statementRoutes, billingRunRoutes, rechargeRoutes, (deps) => followUpRoutes(deps, rule))(deps), registered));
    await seedRateTable(svc.db);
    await ensureDemoUnitRateTables(svc.db, 'nacka');
    const system = await svc.as({ role: 'system' });
    const ok = async (url: string, payload: Record<string, unknown>, status = 201) => {
      const res = await svc.app.inject({ method: 'POST', url, headers: system, payload });
      expect(res.statusCode, res.body).toBe(status);
      return res.json<Record<string, unknown>>();
    };
    const order = await seedOrder(svc.db, { providerId: 'egen-omsorg', customerId: '00000000-0000-4000-8000-00000000c001' });
    await seedApprovedMonth(svc.db, order, '2025-03', careHour('2025-03-04', '+01:00'));
    const placed = await placeOrder(svc.db, { providerId: 'annan-omsorg', decidingMunicipality: 'varmdo', validFrom: '2025-03-01', validTo: '2025-03-31' });
    await seedApprovedMonth(svc.db, placed, '2025-03', careHour('2025-03-05', '+01:00'));
    const run = await ok('/billing-runs', { month: '2025-03' });
    const alerted = await placeOrder(svc.db, { providerId: 'egen-omsorg', validFrom: '2023-01-01', validTo: '2023-02-28' });
    await ok('/follow-up/alerts', { month: '2023-02' }, 200);
    // The matrix's customer in family counselling at the matrix's provider, one October session reported (a month no other call reads).
    const counselling = await placeOrder(svc.db, { providerId: 'egen-omsorg', customerId: order.customerId, areaId: 'family-counselling', level: 1, validFrom: '2025-10-01', validTo: '2025-10-31' });
    const provider = await svc.as({ role: 'provider', providerId: 'egen-omsorg' });
    const reported = await svc.app.inject({ method: 'POST', url: `/orders/${counselling.orderId}/sessions`, headers: provider, payload: { sessions: [{ externalId: 'matrix-s-1', date: '2025-10-07' }] } });
    expect(reported.statusCode, reported.body).toBe(201);
    f = { ...order, runId: run['runId'] as string, placedOrderId: placed.orderId, alertOrderId: alerted.orderId, sessionOrderId: counselling.orderId };

    // Months no other call reads: for each run a 2024 month with a weekday morning of its own (summer time), for each alert two months in 2023–24.
    const runDays = ['2024-04-02', '2024-05-02', '2024-07-02', '2024-09-03'];
    const alertMonths: Array<[string, string]> = [['2023-04-01', '2023-05-31'], ['2023-07-01', '2023-08-31'], ['2023-10-01', '2023-11-30'], ['2024-01-01', '2024-02-29']];
    fresh = {
      nursingHome: async () => (await placeOrder(svc.db, { providerId: f.providerId, areaId: 'nursing-home', level: 4, validFrom: '2025-08-01', validTo: '2025-08-31' })).orderId,
      dayActivity: async () => (await placeOrder(svc.db, { providerId: f.providerId, areaId: 'day-activities', level: 1, validFrom: '2025-09-01', validTo: '2025-09-30' })).orderId,
      runMonth: async () => {
        const day = runDays.shift()!;
        const month = day.slice(0, 7);
        const o = await seedOrder(svc.db, { providerId: f.providerId, validFrom: `${month}-01`, validTo: `${month}-28` });
        await seedApprovedMonth(svc.db, o, month, careHour(day, '+02:00'));
        return month;
      },
      alertMonth: async () => {
        const [validFrom, validTo] = alertMonths.shift()!;
        await placeOrder(svc.db, { providerId: f.providerId, validFrom, validTo });
        return validTo.slice(0, 7);
      },
      sessionOrder: async () => (await placeOrder(svc.db, { providerId: f.providerId, areaId: 'family-counselling', level: 1, validFrom: '2025-04-01', validTo: '2025-04-30' })).orderId,
      homeCare: async () => (await placeOrder(svc.db, { providerId: f.providerId, validFrom: '2025-04-01', validTo: '2025-04-30' })).orderId,
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
