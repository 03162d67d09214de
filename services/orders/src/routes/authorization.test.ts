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
import { ordersRoutes } from '../app.js';
import { providerBody, seedDecision, seedProvider, startOrders, type TestOrders } from '../test-support/orders-service.js';

/**
 * Who may call what in the orders service: one row per route, mirroring its `config.roles`.
 * `ownOnly` roles are refused (403) on another's record; `listsOwn` roles see only their own in a list;
 * for `hidesOthers` roles the route reads the record through the scope (application/scope.ts):
 * another's is not found (404), like an unknown id.
 */
const MATRIX: RouteAccess[] = [
  { route: 'POST /providers', roles: ['administrator'] },
  { route: 'GET /providers', roles: 'any' },
  { route: 'POST /providers/:providerId/authorizations', roles: ['provider', 'administrator'], ownOnly: ['provider'] },
  { route: 'GET /providers/:providerId/authorizations', roles: ['provider', 'administrator', 'case-handler', 'operator'], ownOnly: ['provider'] },
  { route: 'POST /providers/:providerId/authorizations/:areaId/decision', roles: ['administrator'] },
  // People choose through the journey (ADR 0029); this is the journey's command, carried as `system` on their behalf.
  { route: 'POST /decisions/:decisionId/choice', roles: ['system'] },
  { route: 'POST /decisions/:decisionId/default-choice', roles: ['system'] },
  { route: 'POST /decisions/:decisionId/switch', roles: ['citizen', 'case-handler'], hidesOthers: ['citizen'] },
  { route: 'POST /orders', roles: ['system', 'case-handler'] },
  { route: 'GET /orders', roles: ['provider', 'case-handler', 'operator'], listsOwn: ['provider'] },
  { route: 'GET /orders/:orderId', roles: ['provider', 'case-handler', 'operator', 'citizen', 'system'], hidesOthers: ['provider', 'citizen'] },
  { route: 'POST /orders/:orderId/accept', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'POST /orders/:orderId/refuse', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'POST /orders/:orderId/care-plan', roles: ['provider'], hidesOthers: ['provider'] },
  { route: 'POST /orders/:orderId/end', roles: ['system', 'case-handler', 'citizen'], hidesOthers: ['citizen'] },
  { route: 'POST /orders/:orderId/reminders', roles: ['system'] },
  { route: 'POST /orders/:orderId/changes', roles: ['system'] },
  { route: 'POST /providers/:providerId/places/released', roles: ['provider', 'administrator'], ownOnly: ['provider'] },
  { route: 'GET /providers/:providerId/queue', roles: ['provider', 'case-handler', 'operator'], ownOnly: ['provider'] },
  { route: 'POST /offers/:offerId/answer', roles: ['citizen', 'case-handler'], hidesOthers: ['citizen'] },
  { route: 'POST /surveys', roles: ['case-handler', 'finance'] },
  { route: 'GET /surveys', roles: ['case-handler', 'finance', 'operator', 'administrator', 'citizen'] },
  // A citizen answers for themselves (the token's customer): another customer's token answers as that customer.
  { route: 'POST /surveys/:surveyId/answers', roles: ['citizen'] },
  { route: 'GET /surveys/:surveyId/results', roles: ['case-handler', 'finance', 'operator', 'administrator'] },
  { route: 'POST /surveys/:surveyId/publish', roles: ['case-handler', 'finance'] },
];

/**
 * The records every call is made against, and the request of each route. A refused call is made
 * against the shared records (its own or another's); an allowed command gets records of its own
 * (`Fresh`), so that each allowed call shows its success and effect rather than the previous caller's.
 */
type Fixture = MatrixOwners & { decisionId: string; orderedDecisionId: string; orderId: string; offerId: string; surveyId: string };
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
  'POST /surveys': () => ({ method: 'POST', url: '/surveys', payload: { areaId: 'home-care', year: 2027 } }),
  'GET /surveys': () => ({ method: 'GET', url: '/surveys?areaId=home-care' }),
  'POST /surveys/:surveyId/answers': (f) => ({ method: 'POST', url: `/surveys/${f.surveyId}/answers`, payload: { providerId: f.providerId, score: 4 } }),
  'GET /surveys/:surveyId/results': (f) => ({ method: 'GET', url: `/surveys/${f.surveyId}/results` }),
  'POST /surveys/:surveyId/publish': (f) => ({ method: 'POST', url: `/surveys/${f.surveyId}/publish` }),
};

type Fresh = {
  /** A granted home-care decision of the matrix's customer, nothing chosen yet. */
  decision(): Promise<string>;
  /** Such a decision with egen-omsorg chosen. */
  chosen(): Promise<string>;
  /** Such a decision's order placed with egen-omsorg; `accepted` has the provider accept it. */
  order(accepted?: boolean): Promise<string>;
  /** A provider of its own: `home` a full nursing home (one place, taken). */
  provider(kind?: 'home-care' | 'home'): Promise<string>;
  /** An open offer of a place to the matrix's customer. */
  offer(): Promise<string>;
  /** A survey year not opened before in this run. */
  year(): number;
};

/** The request of an allowed call: on fresh records wherever the call changes something. */
const ALLOWED_REQUESTS: Record<string, (f: Fixture, fresh: Fresh, c: AuthorizationCase) => Promise<MatrixRequest>> = {
  'POST /providers': async (f, fresh) => ({ method: 'POST', url: '/providers', payload: providerBody(`ny-${(await fresh.provider()).slice(0, 12)}`) }),
  // The provider applies for itself; the administrator for a provider of its own.
  'POST /providers/:providerId/authorizations': async (f, fresh, c) => ({ method: 'POST', url: `/providers/${c.role === 'provider' ? f.providerId : await fresh.provider()}/authorizations`, payload: { areaId: 'day-activities', capacity: 5 } }),
  'POST /decisions/:decisionId/choice': async (_f, fresh) => ({ method: 'POST', url: `/decisions/${await fresh.decision()}/choice`, payload: { providerId: 'egen-omsorg' } }),
  'POST /decisions/:decisionId/default-choice': async (_f, fresh) => ({ method: 'POST', url: `/decisions/${await fresh.decision()}/default-choice` }),
  'POST /decisions/:decisionId/switch': async (_f, fresh) => ({ method: 'POST', url: `/decisions/${await fresh.chosen()}/switch`, payload: { providerId: 'standard-omsorg', effectiveFrom: '2026-03-01' } }),
  'POST /orders': async (_f, fresh) => ({ method: 'POST', url: '/orders', payload: { decisionId: await fresh.chosen() } }),
  'POST /orders/:orderId/accept': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.order()}/accept` }),
  'POST /orders/:orderId/refuse': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.order()}/refuse`, payload: { reason: 'over-capacity', explanation: 'Full.' } }),
  'POST /orders/:orderId/care-plan': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.order(true)}/care-plan`, payload: { agreedOn: '2026-02-10', summary: 'Mornings.' } }),
  'POST /orders/:orderId/end': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.order()}/end`, payload: { endDate: '2026-06-30', reason: 'left' } }),
  'POST /orders/:orderId/reminders': async (_f, fresh) => ({ method: 'POST', url: `/orders/${await fresh.order()}/reminders`, payload: { about: 'acceptance', key: 'day-3' } }),
  // The home reports for itself (its one taken place); the administrator for a full home of its own.
  'POST /providers/:providerId/places/released': async (f, fresh, c) => ({ method: 'POST', url: `/providers/${c.role === 'provider' ? f.providerId : await fresh.provider('home')}/places/released`, payload: { count: 1, areaId: 'nursing-home' } }),
  'POST /offers/:offerId/answer': async (_f, fresh) => ({ method: 'POST', url: `/offers/${await fresh.offer()}/answer`, payload: { accepted: false } }),
  'POST /surveys': async (_f, fresh) => ({ method: 'POST', url: '/surveys', payload: { areaId: 'home-care', year: fresh.year() } }),
};

const audited = { audit_log: 1 };
const choiceMade = { audit_log: 1, choices: 1, outbox: 1 };
/**
 * What each allowed call must do, exactly: its status, the rows it adds (an update shows as its
 * audit row), and the key fields of its answer. Two routes answer a rule of the domain for every
 * caller the matrix may build cheaply, and say so: a refusal within capacity (409 ORDERS.MUST_ACCEPT)
 * and leaving a home-care provider (409 ORDERS.REASON_NOT_FOR_AREA); their success is tested in
 * routes/orders/obligations.test.ts and several-providers.test.ts.
 */
const EFFECTS: Record<string, (f: Fixture, c: AuthorizationCase) => AllowedEffect> = {
  'POST /providers': () => ({ status: 201, rows: { audit_log: 1, authorizations: 1, providers: 1 }, body: { providerId: expect.stringMatching(/^ny-/) } }),
  'GET /providers': () => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ providerId: 'egen-omsorg', areaId: 'home-care' })]) }),
  'POST /providers/:providerId/authorizations': (f, c) => ({ status: 201, rows: { audit_log: 1, authorizations: 1 }, body: { providerId: c.role === 'provider' ? f.providerId : expect.stringMatching(/^matrix-/), areaId: 'day-activities', status: 'applied' } }),
  'GET /providers/:providerId/authorizations': (f) => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ providerId: f.providerId, areaId: 'home-care' })]) }),
  'POST /providers/:providerId/authorizations/:areaId/decision': () => ({ status: 200, rows: audited, body: { providerId: 'sokande-omsorg', areaId: 'home-care', status: 'revoked' } }),
  'POST /decisions/:decisionId/choice': () => ({ status: 201, rows: choiceMade, body: { providerId: 'egen-omsorg' } }),
  'POST /decisions/:decisionId/default-choice': () => ({ status: 200, rows: choiceMade, body: { providerId: 'standard-omsorg', chosenBy: 'default' } }),
  'POST /decisions/:decisionId/switch': () => ({ status: 201, rows: choiceMade, body: { fromProviderId: 'egen-omsorg', toProviderId: 'standard-omsorg' } }),
  'POST /orders': () => ({ status: 201, rows: { audit_log: 1, orders: 1, outbox: 1 }, body: { providerId: 'egen-omsorg', status: 'placed' } }),
  'GET /orders': (f, c) => ({ status: 200, rows: {}, body: c.owner === 'other' ? [] : expect.arrayContaining([expect.objectContaining({ orderId: f.orderId })]) }),
  'GET /orders/:orderId': (f) => ({ status: 200, rows: {}, body: { orderId: f.orderId, customerId: f.customerId, providerId: f.providerId } }),
  'POST /orders/:orderId/accept': () => ({ status: 200, rows: { audit_log: 1, outbox: 1 }, body: { status: 'accepted', providerId: 'egen-omsorg' } }),
  'POST /orders/:orderId/refuse': () => ({ status: 409, rows: {}, body: { error: 'ORDERS.MUST_ACCEPT' } }),
  'POST /orders/:orderId/care-plan': () => ({ status: 201, rows: { audit_log: 1, care_plans: 1, outbox: 1 }, body: { carePlanAgreedOn: '2026-02-10' } }),
  'POST /orders/:orderId/end': () => ({ status: 409, rows: {}, body: { error: 'ORDERS.REASON_NOT_FOR_AREA' } }),
  'POST /orders/:orderId/reminders': () => ({ status: 201, rows: { audit_log: 1, reminders: 1 }, body: { about: 'acceptance', key: 'day-3' } }),
  'POST /orders/:orderId/changes': (f) => ({ status: 201, rows: { audit_log: 1, order_changes: 1, outbox: 1 }, body: { orderId: f.orderId } }),
  'POST /providers/:providerId/places/released': () => ({ status: 200, rows: audited, body: { areaId: 'nursing-home', released: 1, occupiedPlaces: 0 } }),
  'GET /providers/:providerId/queue': (f) => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ providerId: f.providerId, customerId: f.customerId })]) }),
  'POST /offers/:offerId/answer': () => ({ status: 200, rows: { audit_log: 1, outbox: 1 }, body: { offer: { status: 'declined' } } }),
  'POST /surveys': () => ({ status: 201, rows: { audit_log: 1, surveys: 1 }, body: { areaId: 'home-care', status: 'open' } }),
  'GET /surveys': (f) => ({ status: 200, rows: {}, body: expect.arrayContaining([expect.objectContaining({ surveyId: f.surveyId })]) }),
  'POST /surveys/:surveyId/answers': (f) => ({ status: 201, rows: { audit_log: 1, survey_answers: 1 }, body: { surveyId: f.surveyId, providerId: f.providerId, score: 4 } }),
  'GET /surveys/:surveyId/results': (f) => ({ status: 200, rows: {}, body: { surveyId: f.surveyId } }),
  // The matrix's survey, answered by the citizen's allowed call above: the first publisher publishes it, the second is answered the same results.
  'POST /surveys/:surveyId/publish': (f, c) => {
    const first = c.role === 'case-handler';
    const rows: Record<string, number> = first ? { audit_log: 1, outbox: 1, survey_results: 1 } : {};
    return { status: first ? 201 : 200, rows, body: { surveyId: f.surveyId, status: 'published', results: [{ providerId: f.providerId, score: 4, answers: 1 }] } };
  },
};

describe.each(testEngines())('orders authorization matrix on %s', (engine) => {
  let svc: TestOrders;
  let f: Fixture;
  let fresh: Fresh;
  const registered: RouteAccess[] = [];

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_matrix', (deps) => recordingRoutes(ordersRoutes(deps), registered));
    await seedProvider(svc.db, { providerId: 'egen-omsorg' });
    await seedProvider(svc.db, { providerId: 'standard-omsorg', kind: 'municipal', isDefault: true });
    const customerId = '00000000-0000-4000-8000-00000000c001';
    const { decisionId } = await seedDecision(svc.db, { customerId });
    const ordered = await seedDecision(svc.db, { customerId });
    const caseHandler = await svc.as({ role: 'case-handler' });
    const administrator = await svc.as({ role: 'administrator' });
    // A case handler's choice, as the journey carries it (ADR 0029).
    const choosing = await svc.as({ sub: 'journey-worker', role: 'system', onBehalfOf: { sub: 'case-handler-user', role: 'case-handler' } });
    await svc.app.inject({ method: 'POST', url: `/decisions/${ordered.decisionId}/choice`, headers: choosing, payload: { providerId: 'egen-omsorg' } });
    const order = await svc.app.inject({ method: 'POST', url: '/orders', headers: caseHandler, payload: { decisionId: ordered.decisionId } });
    // An application waiting for the administrator, and a full nursing home whose released place is offered to the customer.
    await seedProvider(svc.db, { providerId: 'sokande-omsorg', status: 'applied' });
    await seedProvider(svc.db, { providerId: 'egen-omsorg', areaId: 'nursing-home', capacity: 1, occupiedPlaces: 1 });
    const offered = async (home: string) => {
      const wanted = await seedDecision(svc.db, { customerId, areaId: 'nursing-home', level: 4 });
      const queued = await svc.app.inject({ method: 'POST', url: `/decisions/${wanted.decisionId}/choice`, headers: choosing, payload: { providerId: home } });
      expect(queued.statusCode, queued.body).toBe(202);
      const released = await svc.app.inject({ method: 'POST', url: `/providers/${home}/places/released`, headers: administrator, payload: { count: 1 } });
      return released.json<{ offers: Array<{ offerId: string }> }>().offers[0]!.offerId;
    };
    const offerId = await offered('egen-omsorg');
    const survey = await svc.app.inject({ method: 'POST', url: '/surveys', headers: caseHandler, payload: { areaId: 'home-care', year: 2026 } });
    const surveyId = survey.json<{ surveyId: string }>().surveyId;
    f = { providerId: 'egen-omsorg', customerId, decisionId, orderedDecisionId: ordered.decisionId, orderId: order.json<{ orderId: string }>().orderId, offerId, surveyId };

    let n = 0;
    let year = 2030;
    const ok = async (method: 'POST', url: string, headers: Record<string, string>, payload?: Record<string, unknown>) => {
      const res = await svc.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json<Record<string, string>>();
    };
    fresh = {
      decision: async () => (await seedDecision(svc.db, { customerId })).decisionId,
      chosen: async () => {
        const id = (await seedDecision(svc.db, { customerId })).decisionId;
        await ok('POST', `/decisions/${id}/choice`, choosing, { providerId: 'egen-omsorg' });
        return id;
      },
      order: async (accepted = false) => {
        const id = await fresh.chosen();
        const { orderId } = await ok('POST', '/orders', caseHandler, { decisionId: id });
        if (accepted) await ok('POST', `/orders/${orderId}/accept`, await svc.as({ role: 'provider', providerId: 'egen-omsorg' }));
        return orderId!;
      },
      provider: async (kind = 'home-care') => {
        const providerId = `matrix-${kind}-${++n}`;
        await seedProvider(svc.db, kind === 'home' ? { providerId, areaId: 'nursing-home', capacity: 1, occupiedPlaces: 1 } : { providerId });
        return providerId;
      },
      offer: async () => {
        const home = `matrix-home-${++n}`;
        await seedProvider(svc.db, { providerId: home, areaId: 'nursing-home', capacity: 1, occupiedPlaces: 1 });
        return offered(home);
      },
      year: () => ++year,
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
