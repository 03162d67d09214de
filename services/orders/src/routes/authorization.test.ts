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
import { ordersRoutes } from '../app.js';
import { providerBody, seedDecision, seedProvider, startOrders, type TestOrders } from '../test-support/orders-service.js';

/**
 * Who may call what in the orders service: one row per route, mirroring its `config.roles`.
 * `ownOnly` roles are refused on another's record; `listsOwn` roles see only their own in a list;
 * `scopedInQuery` routes read the record through the scope (application/scope.ts): another's is not found (404).
 */
const MATRIX: RouteAccess[] = [
  { route: 'POST /providers', roles: ['administrator'] },
  { route: 'GET /providers', roles: 'any' },
  { route: 'POST /providers/:providerId/authorizations', roles: ['provider', 'administrator'], ownOnly: ['provider'] },
  { route: 'GET /providers/:providerId/authorizations', roles: ['provider', 'administrator', 'case-handler', 'operator'], ownOnly: ['provider'] },
  { route: 'POST /providers/:providerId/authorizations/:areaId/decision', roles: ['administrator'] },
  { route: 'POST /decisions/:decisionId/choice', roles: ['citizen', 'case-handler', 'system'], ownOnly: ['citizen'], scopedInQuery: true },
  { route: 'POST /decisions/:decisionId/default-choice', roles: ['system'] },
  { route: 'POST /decisions/:decisionId/switch', roles: ['citizen', 'case-handler'], ownOnly: ['citizen'], scopedInQuery: true },
  { route: 'POST /orders', roles: ['system', 'case-handler'] },
  { route: 'GET /orders', roles: ['provider', 'case-handler', 'operator'], listsOwn: ['provider'] },
  { route: 'GET /orders/:orderId', roles: ['provider', 'case-handler', 'operator', 'citizen', 'system'], ownOnly: ['provider', 'citizen'], scopedInQuery: true },
  { route: 'POST /orders/:orderId/accept', roles: ['provider'], ownOnly: ['provider'], scopedInQuery: true },
  { route: 'POST /orders/:orderId/refuse', roles: ['provider'], ownOnly: ['provider'], scopedInQuery: true },
  { route: 'POST /orders/:orderId/care-plan', roles: ['provider'], ownOnly: ['provider'], scopedInQuery: true },
  { route: 'POST /orders/:orderId/end', roles: ['system', 'case-handler', 'citizen'], ownOnly: ['citizen'], scopedInQuery: true },
  { route: 'POST /orders/:orderId/reminders', roles: ['system'] },
  { route: 'POST /orders/:orderId/changes', roles: ['system'] },
  { route: 'POST /providers/:providerId/places/released', roles: ['provider', 'administrator'], ownOnly: ['provider'] },
  { route: 'GET /providers/:providerId/queue', roles: ['provider', 'case-handler', 'operator'], ownOnly: ['provider'] },
  { route: 'POST /offers/:offerId/answer', roles: ['citizen', 'case-handler'], ownOnly: ['citizen'], scopedInQuery: true },
];

/** The records every call is made against, and the request of each route. */
type Fixture = MatrixOwners & { decisionId: string; orderedDecisionId: string; orderId: string; offerId: string };
const REQUESTS: Record<string, (f: Fixture) => MatrixRequest> = {
  'POST /providers': () => ({ method: 'POST', url: '/providers', payload: providerBody('ny-omsorg') }),
  'GET /providers': () => ({ method: 'GET', url: '/providers?areaId=home-care' }),
  'POST /decisions/:decisionId/choice': (f) => ({ method: 'POST', url: `/decisions/${f.decisionId}/choice`, payload: { providerId: f.providerId } }),
  'POST /decisions/:decisionId/default-choice': (f) => ({ method: 'POST', url: `/decisions/${f.decisionId}/default-choice` }),
  'POST /orders': (f) => ({ method: 'POST', url: '/orders', payload: { decisionId: f.orderedDecisionId } }),
  'GET /orders': () => ({ method: 'GET', url: '/orders' }),
  'GET /orders/:orderId': (f) => ({ method: 'GET', url: `/orders/${f.orderId}` }),
  'POST /orders/:orderId/accept': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/accept` }),
  'POST /orders/:orderId/care-plan': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/care-plan`, payload: { agreedOn: '2026-02-10', summary: 'Mornings.' } }),
  'POST /providers/:providerId/authorizations': (f) => ({ method: 'POST', url: `/providers/${f.providerId}/authorizations`, payload: { areaId: 'day-activities', capacity: 5 } }),
  'GET /providers/:providerId/authorizations': (f) => ({ method: 'GET', url: `/providers/${f.providerId}/authorizations` }),
  'POST /providers/:providerId/authorizations/:areaId/decision': () => ({
    method: 'POST',
    url: '/providers/sokande-omsorg/authorizations/home-care/decision',
    payload: { decision: 'revoke', reason: 'Withdrew the application.' },
  }),
  'POST /decisions/:decisionId/switch': (f) => ({ method: 'POST', url: `/decisions/${f.orderedDecisionId}/switch`, payload: { providerId: 'standard-omsorg', effectiveFrom: '2026-03-01' } }),
  'POST /orders/:orderId/refuse': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/refuse`, payload: { reason: 'over-capacity', explanation: 'Full.' } }),
  // Leaving is the one reason every role of the route may give (a home-care order then answers 409, not 403).
  'POST /orders/:orderId/end': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/end`, payload: { endDate: '2026-06-30', reason: 'left' } }),
  // The decision's terms as the copy holds them: the journey's amendment is accepted, every other caller refused.
  'POST /orders/:orderId/changes': (f) => ({
    method: 'POST',
    url: `/orders/${f.orderId}/changes`,
    payload: { effectiveFrom: '2026-03-01', validTo: '2026-07-31', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: null },
  }),
  'POST /orders/:orderId/reminders': (f) => ({ method: 'POST', url: `/orders/${f.orderId}/reminders`, payload: { about: 'acceptance', key: 'day-3' } }),
  'POST /providers/:providerId/places/released': (f) => ({ method: 'POST', url: `/providers/${f.providerId}/places/released`, payload: { count: 1, areaId: 'nursing-home' } }),
  'GET /providers/:providerId/queue': (f) => ({ method: 'GET', url: `/providers/${f.providerId}/queue` }),
  'POST /offers/:offerId/answer': (f) => ({ method: 'POST', url: `/offers/${f.offerId}/answer`, payload: { accepted: false } }),
};

describe.each(testEngines())('orders authorization matrix on %s', (engine) => {
  let svc: TestOrders;
  let f: Fixture;
  const registered: RouteAccess[] = [];

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_matrix', (deps) => recordingRoutes(ordersRoutes(deps), registered));
    await seedProvider(svc.db, { providerId: 'egen-omsorg' });
    await seedProvider(svc.db, { providerId: 'standard-omsorg', kind: 'municipal', isDefault: true });
    const customerId = '00000000-0000-4000-8000-00000000c001';
    const { decisionId } = await seedDecision(svc.db, { customerId });
    const ordered = await seedDecision(svc.db, { customerId });
    const caseHandler = await svc.as({ role: 'case-handler' });
    await svc.app.inject({ method: 'POST', url: `/decisions/${ordered.decisionId}/choice`, headers: caseHandler, payload: { providerId: 'egen-omsorg' } });
    const order = await svc.app.inject({ method: 'POST', url: '/orders', headers: caseHandler, payload: { decisionId: ordered.decisionId } });
    // An application waiting for the administrator, and a full nursing home whose released place is offered to the customer.
    await seedProvider(svc.db, { providerId: 'sokande-omsorg', status: 'applied' });
    await seedProvider(svc.db, { providerId: 'egen-omsorg', areaId: 'nursing-home', capacity: 1, occupiedPlaces: 1 });
    const home = await seedDecision(svc.db, { customerId, areaId: 'nursing-home', level: 4 });
    const queued = await svc.app.inject({ method: 'POST', url: `/decisions/${home.decisionId}/choice`, headers: caseHandler, payload: { providerId: 'egen-omsorg' } });
    expect(queued.statusCode, queued.body).toBe(202);
    const released = await svc.app.inject({ method: 'POST', url: '/providers/egen-omsorg/places/released', headers: await svc.as({ role: 'administrator' }), payload: { count: 1 } });
    const offerId = released.json<{ offers: Array<{ offerId: string }> }>().offers[0]!.offerId;
    f = { providerId: 'egen-omsorg', customerId, decisionId, orderedDecisionId: ordered.decisionId, orderId: order.json<{ orderId: string }>().orderId, offerId };
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
