import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { seedDecision, seedProvider, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { journeyFor, CASE_HANDLER, citizenPerson } from '../../test-support/requests.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe.each(testEngines())('choice and order routes on %s', (engine) => {
  let svc: TestOrders;
  let caseHandler: Record<string, string>;
  let system: Record<string, string>;
  let provider: Record<string, string>;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_orders');
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system' });
    provider = await svc.as({ role: 'provider', providerId: 'omsorg-privat' });
    await seedProvider(svc.db, { providerId: 'omsorg-privat', kind: 'private' });
    await seedProvider(svc.db, { providerId: 'kommunens-omsorg', kind: 'municipal', isDefault: true });
    await seedProvider(svc.db, { providerId: 'dagverksamhet-ab', areaId: 'day-activities' });
    await seedProvider(svc.db, { providerId: 'vilande-ab', status: 'suspended' });
  });
  afterAll(() => svc?.close());

  function send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: Record<string, unknown>) {
    return svc.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  }
  const citizenOf = (customerId: string) => svc.as({ role: 'citizen', customerId });
  const events = async (since: number) => (await svc.outbox()).slice(since);
  const expectNothingStored = async (before: Record<string, number>) => expect(await tableCounts(svc.db)).toEqual(before);

  /** A granted decision with the customer's choice and the order placed: what the provider's routes start from. */
  async function placedOrder(providerId = 'omsorg-privat') {
    const decision = await seedDecision(svc.db);
    expect((await send('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId })).statusCode).toBe(201);
    const res = await send('POST', '/orders', system, { decisionId: decision.decisionId });
    expect(res.statusCode).toBe(201);
    return { ...decision, orderId: res.json<{ orderId: string }>().orderId };
  }

  describe('POST /decisions/:decisionId/choice', () => {
    it("records the customer's own choice with an event that carries the provider's kind, and audits it", async () => {
      const decision = await seedDecision(svc.db);
      const outbox = (await svc.outbox()).length;
      const res = await send('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, citizenPerson(decision.customerId)), { providerId: 'omsorg-privat' });
      expect(res.statusCode).toBe(201);
      const choice = res.json();
      expect(choice).toEqual({ choiceId: expect.any(String), decisionId: decision.decisionId, providerId: 'omsorg-privat', chosenBy: 'customer' });
      expect(await events(outbox)).toEqual([
        {
          subject: 'kundval.orders.provider.chosen.v1',
          payload: { choiceId: choice.choiceId, applicationId: decision.applicationId, decisionId: decision.decisionId, customerId: decision.customerId, providerId: 'omsorg-privat', providerKind: 'private', chosenBy: 'customer' },
        },
      ]);
      const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role']).where('entity_id', '=', decision.decisionId).execute();
      expect(audit).toEqual([{ action: 'provider.chosen', actor_role: 'citizen' }]);
    });

    it('refuses a second choice for the same decision with 409 ORDERS.ALREADY_CHOSEN and stores nothing', async () => {
      const decision = await seedDecision(svc.db);
      expect((await send('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'omsorg-privat' })).statusCode).toBe(201);
      const before = await tableCounts(svc.db);
      const res = await send('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'kommunens-omsorg' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('ORDERS.ALREADY_CHOSEN');
      await expectNothingStored(before);
    });

    it.each([
      ['authorized for another area only', 'dagverksamhet-ab'],
      ['whose authorization is suspended', 'vilande-ab'],
      ['not registered at all', 'okand-ab'],
    ])('refuses a provider %s with 400 ORDERS.PROVIDER_NOT_AUTHORIZED naming body.providerId, and stores nothing', async (_, providerId) => {
      const decision = await seedDecision(svc.db);
      const before = await tableCounts(svc.db);
      const res = await send('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'ORDERS.PROVIDER_NOT_AUTHORIZED', issues: [{ field: 'body.providerId' }] });
      await expectNothingStored(before);
    });

    it.each([
      ['a decision id that is not a uuid', 'params.decisionId', 'not-a-uuid', { providerId: 'omsorg-privat' }],
      ['no provider', 'body.providerId', UNKNOWN, {}],
      ['an empty provider', 'body.providerId', UNKNOWN, { providerId: '' }],
    ])('refuses %s with 400 naming %s, and stores nothing', async (_, field, decisionId, payload) => {
      const before = await tableCounts(svc.db);
      const res = await send('POST', `/decisions/${decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().issues.map((i: { field: string }) => i.field)).toContain(field);
      await expectNothingStored(before);
    });

    it('answers 404 ORDERS.DECISION_NOT_FOUND for a decision that has not reached the service, and 409 ORDERS.DECISION_DENIED for a denial', async () => {
      const missing = await send('POST', `/decisions/${UNKNOWN}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'omsorg-privat' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('ORDERS.DECISION_NOT_FOUND');
      const denied = await seedDecision(svc.db, { outcome: 'denied' });
      const before = await tableCounts(svc.db);
      const res = await send('POST', `/decisions/${denied.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'omsorg-privat' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('ORDERS.DECISION_DENIED');
      await expectNothingStored(before);
    });

    it("does not find another customer's decision for the journey choosing for a citizen (404); refuses a provider, and a citizen or case handler calling orders themselves (403: people choose through the journey), storing nothing; 401 without a token", async () => {
      const decision = await seedDecision(svc.db);
      const before = await tableCounts(svc.db);
      const url = `/decisions/${decision.decisionId}/choice`;
      expect((await send('POST', url, await journeyFor(svc, citizenPerson(UNKNOWN)), { providerId: 'omsorg-privat' })).statusCode).toBe(404);
      expect((await send('POST', url, provider, { providerId: 'omsorg-privat' })).statusCode).toBe(403);
      expect((await send('POST', url, await citizenOf(decision.customerId), { providerId: 'omsorg-privat' })).statusCode).toBe(403);
      expect((await send('POST', url, caseHandler, { providerId: 'omsorg-privat' })).statusCode).toBe(403);
      expect((await send('POST', url, {}, { providerId: 'omsorg-privat' })).statusCode).toBe(401);
      await expectNothingStored(before);
    });
  });

  describe('POST /decisions/:decisionId/default-choice', () => {
    it('assigns the default provider (ickevalsalternativ) once; asking again returns the same choice and no new event', async () => {
      const decision = await seedDecision(svc.db);
      const outbox = (await svc.outbox()).length;
      const first = await send('POST', `/decisions/${decision.decisionId}/default-choice`, system);
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ decisionId: decision.decisionId, providerId: 'kommunens-omsorg', chosenBy: 'default' });
      const again = await send('POST', `/decisions/${decision.decisionId}/default-choice`, system);
      expect(again.json()).toEqual(first.json());
      expect((await events(outbox)).map((e) => [e.subject, e.payload['chosenBy'], e.payload['providerKind']])).toEqual([['kundval.orders.provider.chosen.v1', 'default', 'municipal']]);
    });

    it("keeps the customer's own choice when the journey asks for the default afterwards", async () => {
      const decision = await seedDecision(svc.db);
      await send('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'omsorg-privat' });
      const before = await tableCounts(svc.db);
      const res = await send('POST', `/decisions/${decision.decisionId}/default-choice`, system);
      expect(res.json()).toMatchObject({ providerId: 'omsorg-privat', chosenBy: 'customer' });
      await expectNothingStored(before);
    });

    it('answers 409 ORDERS.NO_DEFAULT_PROVIDER for an area without one and 404 for an unknown decision, storing nothing', async () => {
      const decision = await seedDecision(svc.db, { areaId: 'day-activities' });
      const before = await tableCounts(svc.db);
      const res = await send('POST', `/decisions/${decision.decisionId}/default-choice`, system);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('ORDERS.NO_DEFAULT_PROVIDER');
      expect((await send('POST', `/decisions/${UNKNOWN}/default-choice`, system)).statusCode).toBe(404);
      expect((await send('POST', `/decisions/${decision.decisionId}/default-choice`, caseHandler)).statusCode).toBe(403);
      await expectNothingStored(before);
    });
  });

  describe('POST /orders', () => {
    it('places the order with the chosen provider, with an event carrying what billing needs', async () => {
      const decision = await seedDecision(svc.db);
      await send('POST', `/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'omsorg-privat' });
      const outbox = (await svc.outbox()).length;
      const res = await send('POST', '/orders', system, { decisionId: decision.decisionId });
      expect(res.statusCode).toBe(201);
      const order = res.json();
      expect(order).toMatchObject({ orderId: expect.any(String), ...decision, providerId: 'omsorg-privat', status: 'placed', carePlanAgreedOn: null });
      expect(await events(outbox)).toEqual([
        {
          subject: 'kundval.orders.order.placed.v1',
          payload: expect.objectContaining({
            orderId: order.orderId,
            applicationId: decision.applicationId,
            decisionId: decision.decisionId,
            customerId: decision.customerId,
            providerId: 'omsorg-privat',
            providerKind: 'private',
            areaId: 'home-care',
            municipality: 'nacka',
            careHoursPerMonth: 10.5,
            serviceHoursPerMonth: 4,
            validFrom: '2026-02-01',
            validTo: '2026-07-31',
          }),
        },
      ]);
    });

    it('answers a repeated order for the same decision with the order already placed (200), storing nothing more', async () => {
      const { decisionId, orderId } = await placedOrder();
      const before = await tableCounts(svc.db);
      const res = await send('POST', '/orders', caseHandler, { decisionId });
      expect(res.statusCode).toBe(200);
      expect(res.json().orderId).toBe(orderId);
      await expectNothingStored(before);
    });

    it('refuses an order before a provider is chosen with 409 ORDERS.NO_CHOICE, 404 for an unknown decision, 400 for a bad id; storing nothing', async () => {
      const decision = await seedDecision(svc.db);
      const before = await tableCounts(svc.db);
      const noChoice = await send('POST', '/orders', system, { decisionId: decision.decisionId });
      expect(noChoice.statusCode).toBe(409);
      expect(noChoice.json().error).toBe('ORDERS.NO_CHOICE');
      const missing = await send('POST', '/orders', system, { decisionId: UNKNOWN });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('ORDERS.DECISION_NOT_FOUND');
      const bad = await send('POST', '/orders', system, { decisionId: 'D-1' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().issues.map((i: { field: string }) => i.field)).toEqual(['body.decisionId']);
      expect((await send('POST', '/orders', provider, { decisionId: decision.decisionId })).statusCode).toBe(403);
      await expectNothingStored(before);
    });
  });

  describe('GET /orders and GET /orders/:orderId', () => {
    it('shows a provider only its own orders, and lets a case handler filter by provider and status', async () => {
      const own = await placedOrder('omsorg-privat');
      const other = await placedOrder('kommunens-omsorg');
      const mine = (await send('GET', '/orders', provider)).json<Array<{ orderId: string; providerId: string }>>();
      expect(mine.map((o) => o.orderId)).toContain(own.orderId);
      expect(mine.every((o) => o.providerId === 'omsorg-privat')).toBe(true);
      // A provider cannot widen its view with the query.
      const widened = (await send('GET', '/orders?providerId=kommunens-omsorg', provider)).json<Array<{ providerId: string }>>();
      expect(widened.every((o) => o.providerId === 'omsorg-privat')).toBe(true);
      const theirs = (await send('GET', '/orders?providerId=kommunens-omsorg&status=placed', caseHandler)).json<Array<{ orderId: string; status: string }>>();
      expect(theirs.map((o) => o.orderId)).toContain(other.orderId);
      expect(theirs.every((o) => o.status === 'placed')).toBe(true);
    });

    it('refuses a provider token without a provider id (403) instead of listing every order', async () => {
      await placedOrder();
      const res = await send('GET', '/orders', await svc.as({ role: 'provider' }));
      expect(res.statusCode).toBe(403);
    });

    it('refuses an unknown status filter with 400 naming querystring.status', async () => {
      const res = await send('GET', '/orders?status=cancelled', caseHandler);
      expect(res.statusCode).toBe(400);
      expect(res.json().issues.map((i: { field: string }) => i.field)).toContain('querystring.status');
    });

    it("shows an order to its provider and its customer only (another's is not found: 404, as an unknown id); 400 for a bad id", async () => {
      const { orderId, customerId } = await placedOrder();
      expect((await send('GET', `/orders/${orderId}`, provider)).json()).toMatchObject({ orderId, customerId, status: 'placed' });
      expect((await send('GET', `/orders/${orderId}`, await citizenOf(customerId))).statusCode).toBe(200);
      expect((await send('GET', `/orders/${orderId}`, await svc.as({ role: 'provider', providerId: 'kommunens-omsorg' }))).json()).toMatchObject({ error: 'ORDERS.ORDER_NOT_FOUND' });
      expect((await send('GET', `/orders/${orderId}`, await citizenOf(UNKNOWN))).statusCode).toBe(404);
      const missing = await send('GET', `/orders/${UNKNOWN}`, caseHandler);
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('ORDERS.ORDER_NOT_FOUND');
      const bad = await send('GET', '/orders/42', caseHandler);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().issues.map((i: { field: string }) => i.field)).toContain('params.orderId');
    });
  });

  describe('POST /orders/:orderId/accept', () => {
    it('lets the provider accept its order once, with an event and an audit of the status change', async () => {
      const { orderId, applicationId, customerId } = await placedOrder();
      const outbox = (await svc.outbox()).length;
      const res = await send('POST', `/orders/${orderId}/accept`, provider);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ orderId, status: 'accepted' });
      expect(await events(outbox)).toEqual([{ subject: 'kundval.orders.order.accepted.v1', payload: { orderId, applicationId, customerId, providerId: 'omsorg-privat' } }]);
      const audit = await svc.db.selectFrom('audit_log').select(['action', 'before', 'after']).where('entity_id', '=', orderId).where('action', '=', 'order.accepted').executeTakeFirstOrThrow();
      expect(audit).toEqual({ action: 'order.accepted', before: { status: 'placed' }, after: { status: 'accepted' } });

      const before = await tableCounts(svc.db);
      const again = await send('POST', `/orders/${orderId}/accept`, provider);
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toBe('ORDERS.ALREADY_ACCEPTED');
      await expectNothingStored(before);
    });

    it("does not find the order for another provider (404), refuses a case handler (403), 404 for an unknown order; storing nothing", async () => {
      const { orderId } = await placedOrder();
      const before = await tableCounts(svc.db);
      expect((await send('POST', `/orders/${orderId}/accept`, await svc.as({ role: 'provider', providerId: 'kommunens-omsorg' }))).statusCode).toBe(404);
      expect((await send('POST', `/orders/${orderId}/accept`, caseHandler)).statusCode).toBe(403);
      expect((await send('POST', `/orders/${orderId}/accept`, {})).statusCode).toBe(401);
      expect((await send('POST', `/orders/${UNKNOWN}/accept`, provider)).statusCode).toBe(404);
      await expectNothingStored(before);
      expect((await send('GET', `/orders/${orderId}`, provider)).json().status).toBe('placed');
    });
  });

  describe('POST /orders/:orderId/care-plan', () => {
    const plan = { agreedOn: '2026-02-10', summary: 'Help with dressing mornings and evenings; shopping on Thursdays.' };

    it('refuses a care plan before the order is accepted with 409 ORDERS.NOT_ACCEPTED and stores nothing', async () => {
      const { orderId } = await placedOrder();
      const before = await tableCounts(svc.db);
      const res = await send('POST', `/orders/${orderId}/care-plan`, provider, plan);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toBe('ORDERS.NOT_ACCEPTED');
      await expectNothingStored(before);
    });

    it('records the agreed care plan of an accepted order once, with an event; a second is 409 ORDERS.CARE_PLAN_EXISTS', async () => {
      const { orderId, applicationId, customerId } = await placedOrder();
      await send('POST', `/orders/${orderId}/accept`, provider);
      const outbox = (await svc.outbox()).length;
      const res = await send('POST', `/orders/${orderId}/care-plan`, provider, plan);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ orderId, status: 'accepted', carePlanAgreedOn: '2026-02-10' });
      expect(await events(outbox)).toEqual([
        { subject: 'kundval.orders.care-plan.agreed.v1', payload: { orderId, applicationId, customerId, providerId: 'omsorg-privat', carePlanId: expect.any(String), agreedOn: '2026-02-10' } },
      ]);
      const stored = await svc.db.selectFrom('care_plans').select(['summary', 'recorded_by']).where('order_id', '=', orderId).executeTakeFirstOrThrow();
      expect(stored).toEqual({ summary: plan.summary, recorded_by: 'provider-user' });

      const before = await tableCounts(svc.db);
      const again = await send('POST', `/orders/${orderId}/care-plan`, provider, { ...plan, summary: 'Another plan' });
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toBe('ORDERS.CARE_PLAN_EXISTS');
      await expectNothingStored(before);
    });

    it.each([
      [{ ...plan, agreedOn: '2026-02-30' }, 'body.agreedOn'],
      [{ ...plan, agreedOn: '10/02/2026' }, 'body.agreedOn'],
      [{ ...plan, summary: '' }, 'body.summary'],
      [{ agreedOn: plan.agreedOn }, 'body.summary'],
    ])('refuses a care plan %j with 400 naming %s, and stores nothing', async (payload, field) => {
      const { orderId } = await placedOrder();
      await send('POST', `/orders/${orderId}/accept`, provider);
      const before = await tableCounts(svc.db);
      const res = await send('POST', `/orders/${orderId}/care-plan`, provider, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().issues.map((i: { field: string }) => i.field)).toContain(field);
      await expectNothingStored(before);
    });

    it("does not find the order for another provider's care plan (404), as for an unknown order, storing nothing", async () => {
      const { orderId } = await placedOrder();
      await send('POST', `/orders/${orderId}/accept`, provider);
      const before = await tableCounts(svc.db);
      expect((await send('POST', `/orders/${orderId}/care-plan`, await svc.as({ role: 'provider', providerId: 'kommunens-omsorg' }), plan)).statusCode).toBe(404);
      expect((await send('POST', `/orders/${UNKNOWN}/care-plan`, provider, plan)).statusCode).toBe(404);
      await expectNothingStored(before);
    });
  });
});
