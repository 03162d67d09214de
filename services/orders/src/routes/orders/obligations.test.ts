import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import { ordersRoutes } from '../../app.js';
import { TEST_NOW, seedDecision, seedProvider, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { CASE_HANDLER, citizenPerson, journeyFor, requestsFor, type Headers } from '../../test-support/requests.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe.each(testEngines())("a provider's obligations: refusal only outside capacity, care-plan deadline, reminders, on %s", (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;
  let now = TEST_NOW;
  let caseHandler: Headers;
  let system: Headers;
  const providerAs = (providerId: string) => svc.as({ role: 'provider', providerId });

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_obligations', ordersRoutes, () => now);
    r = requestsFor(svc);
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system' });
    await seedProvider(svc.db, { providerId: 'liten-omsorg', capacity: 1 });
    await seedProvider(svc.db, { providerId: 'stor-omsorg', capacity: 100, serviceArea: ['Fisksätra', '131'] });
    await seedProvider(svc.db, { providerId: 'hela-kommunen', capacity: 100 });
    await seedProvider(svc.db, { providerId: 'radgivning-ab', areaId: 'family-counselling' });
    await seedProvider(svc.db, { providerId: 'dag-ab', areaId: 'day-activities' });
  });
  beforeEach(() => {
    now = TEST_NOW;
  });
  afterAll(() => svc?.close());

  /** A decision with the provider chosen (the customer living in `district`) and its order placed. */
  async function placed(providerId: string, district?: string, areaId = 'home-care') {
    const decision = await seedDecision(svc.db, { areaId });
    await r.ok(`/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId, ...(district ? { district } : {}) }, 201);
    const order = await r.ok<{ orderId: string }>('/orders', system, { decisionId: decision.decisionId }, 201);
    return { ...decision, orderId: order.orderId };
  }
  const refuse = (reason: string) => ({ reason, explanation: 'We cannot take this customer.' });

  describe('POST /orders/:orderId/refuse', () => {
    it('refuses over-capacity refusals while capacity is left (409 ORDERS.MUST_ACCEPT), allows one once it is used; the choice is void and the customer chooses again', async () => {
      const first = await placed('liten-omsorg');
      const provider = await providerAs('liten-omsorg');
      const refused = await r.refused('POST', `/orders/${first.orderId}/refuse`, provider, refuse('over-capacity'), 409, 'ORDERS.MUST_ACCEPT');
      expect(refused.message).toContain('0 of 1');
      await r.ok(`/orders/${first.orderId}/accept`, provider, undefined);

      const second = await placed('liten-omsorg');
      const mark = await r.mark();
      const res = await r.ok(`/orders/${second.orderId}/refuse`, provider, refuse('over-capacity'));
      expect(res).toMatchObject({ orderId: second.orderId, status: 'refused', refusal: { reason: 'over-capacity', explanation: 'We cannot take this customer.' } });
      expect(await r.eventsSince(mark)).toEqual([
        {
          subject: 'kundval.orders.order.refused.v1',
          payload: { orderId: second.orderId, applicationId: second.applicationId, customerId: second.customerId, providerId: 'liten-omsorg', reason: 'over-capacity', explanation: 'We cannot take this customer.' },
        },
      ]);
      const audit = await svc.db.selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', second.orderId).where('action', '=', 'order.refused').executeTakeFirstOrThrow();
      expect(audit.after).toMatchObject({ status: 'refused', reason: 'over-capacity' });

      // The refused order holds nothing: a new order needs a new choice, and then the new provider is ordered.
      await r.refused('POST', '/orders', system, { decisionId: second.decisionId }, 409, 'ORDERS.NO_CHOICE');
      const chosen = await r.ok(`/decisions/${second.decisionId}/choice`, await journeyFor(svc, citizenPerson(second.customerId)), { providerId: 'hela-kommunen' }, 201);
      expect(chosen).toMatchObject({ providerId: 'hela-kommunen', chosenBy: 'customer' });
      const order = await r.ok('/orders', system, { decisionId: second.decisionId }, 201);
      expect(order).toMatchObject({ providerId: 'hela-kommunen', validFrom: '2026-02-01', status: 'placed' });
      expect(order['orderId']).not.toBe(second.orderId);
    });

    it("masks an identity number typed into the explanation before it is stored, answered, published or audited", async () => {
      const order = await placed('stor-omsorg', 'Saltsjöbaden');
      const mark = await r.mark();
      const typed = 'Kunden 19811218-9876 (811218-9876) bor i Saltsjöbaden.';
      const masked = 'Kunden [identity-number] ([identity-number]) bor i Saltsjöbaden.';
      const res = await r.ok(`/orders/${order.orderId}/refuse`, await providerAs('stor-omsorg'), { reason: 'outside-service-area', explanation: typed });
      expect(res).toMatchObject({ status: 'refused', refusal: { reason: 'outside-service-area', explanation: masked } });
      const row = await svc.db.selectFrom('orders').select('refusal_explanation').where('order_id', '=', order.orderId).executeTakeFirstOrThrow();
      expect(row.refusal_explanation).toBe(masked);
      const events = await r.eventsSince(mark);
      expect(events.map((e) => (e.payload as { explanation: string }).explanation)).toEqual([masked]);
      const audit = await svc.db.selectFrom('audit_log').select('after').where('entity_id', '=', order.orderId).where('action', '=', 'order.refused').executeTakeFirstOrThrow();
      expect(JSON.stringify(audit.after)).not.toMatch(/9876/);
    });

    it('counts only orders still in force: an accepted order that has ended leaves its place free again', async () => {
      await seedProvider(svc.db, { providerId: 'en-plats', capacity: 1 });
      const provider = await providerAs('en-plats');
      const first = await placed('en-plats');
      await r.ok(`/orders/${first.orderId}/accept`, provider, undefined);
      await r.ok(`/orders/${first.orderId}/end`, system, { endDate: '2026-03-31', reason: 'decision-ended' });
      now = new Date('2026-04-02T09:00:00+02:00');
      const second = await placed('en-plats');
      await r.refused('POST', `/orders/${second.orderId}/refuse`, provider, refuse('over-capacity'), 409, 'ORDERS.MUST_ACCEPT');
    });

    it.each([
      ['a district outside the service area', 'Saltsjöbaden', 200],
      ['a district inside it', 'fisksätra', 409],
      ['a postcode under a declared postcode prefix', '131 42', 409],
      ['an unknown district', undefined, 409],
    ])('an outside-service-area refusal for %s answers %i', async (_, district, status) => {
      const d = await placed('stor-omsorg', district);
      const provider = await providerAs('stor-omsorg');
      if (status === 200) expect(await r.ok(`/orders/${d.orderId}/refuse`, provider, refuse('outside-service-area'))).toMatchObject({ status: 'refused' });
      else await r.refused('POST', `/orders/${d.orderId}/refuse`, provider, refuse('outside-service-area'), 409, 'ORDERS.MUST_ACCEPT');
    });

    it('a provider serving the whole municipality can never refuse for the service area', async () => {
      const d = await placed('hela-kommunen', 'Långtbortistan');
      await r.refused('POST', `/orders/${d.orderId}/refuse`, await providerAs('hela-kommunen'), refuse('outside-service-area'), 409, 'ORDERS.MUST_ACCEPT');
    });

    it('refuses refusing an accepted order (409 ORDERS.ALREADY_ACCEPTED) or a refused one again (409 ORDERS.ALREADY_REFUSED); a refused order cannot be accepted', async () => {
      const provider = await providerAs('stor-omsorg');
      const accepted = await placed('stor-omsorg', 'Tyresö');
      await r.ok(`/orders/${accepted.orderId}/accept`, provider, undefined);
      await r.refused('POST', `/orders/${accepted.orderId}/refuse`, provider, refuse('outside-service-area'), 409, 'ORDERS.ALREADY_ACCEPTED');
      const refusedOnce = await placed('stor-omsorg', 'Tyresö');
      await r.ok(`/orders/${refusedOnce.orderId}/refuse`, provider, refuse('outside-service-area'));
      await r.refused('POST', `/orders/${refusedOnce.orderId}/refuse`, provider, refuse('outside-service-area'), 409, 'ORDERS.ALREADY_REFUSED');
      await r.refused('POST', `/orders/${refusedOnce.orderId}/accept`, provider, undefined, 409, 'ORDERS.ORDER_REFUSED');
      await r.refused('POST', `/orders/${refusedOnce.orderId}/end`, system, { endDate: '2026-03-01', reason: 'decision-ended' }, 409, 'ORDERS.ORDER_REFUSED');
    });

    it.each([
      [{ reason: 'too-far', explanation: 'x' }, 'body.reason'],
      [{ reason: 'over-capacity', explanation: '   ' }, 'body.explanation'],
      [{ reason: 'over-capacity' }, 'body.explanation'],
    ])('refuses a refusal %j with 400 naming %s, storing nothing', async (payload, field) => {
      const d = await placed('liten-omsorg');
      await r.refused('POST', `/orders/${d.orderId}/refuse`, await providerAs('liten-omsorg'), payload, 400, 'VALIDATION', field);
    });

    it("does not find the order for another provider's refusal (404), refuses a case handler's (403), a call without a token (401); 404 for an unknown order", async () => {
      const d = await placed('liten-omsorg');
      await r.refused('POST', `/orders/${d.orderId}/refuse`, await providerAs('stor-omsorg'), refuse('over-capacity'), 404, 'ORDERS.ORDER_NOT_FOUND');
      await r.refused('POST', `/orders/${d.orderId}/refuse`, caseHandler, refuse('over-capacity'), 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', `/orders/${d.orderId}/refuse`, {}, refuse('over-capacity'), 401, 'AUTH.MISSING_TOKEN');
      await r.refused('POST', `/orders/${UNKNOWN}/refuse`, await providerAs('liten-omsorg'), refuse('over-capacity'), 404, 'ORDERS.ORDER_NOT_FOUND');
    });
  });

  describe('care-plan deadline', () => {
    it("is the acceptance date plus the area's deadline, and the order shows it overdue once it has passed without a care plan", async () => {
      const provider = await providerAs('hela-kommunen');
      const d = await placed('hela-kommunen');
      expect((await r.send('GET', `/orders/${d.orderId}`, provider)).json()).toMatchObject({ carePlanDueBy: null, carePlanOverdue: false });
      expect(await r.ok(`/orders/${d.orderId}/accept`, provider, undefined)).toMatchObject({ carePlanDueBy: '2026-02-03', carePlanOverdue: false });
      now = new Date('2026-02-03T22:30:00+01:00');
      expect((await r.send('GET', `/orders/${d.orderId}`, provider)).json()).toMatchObject({ carePlanOverdue: false });
      now = new Date('2026-02-04T08:00:00+01:00');
      expect((await r.send('GET', `/orders/${d.orderId}`, caseHandler)).json()).toMatchObject({ carePlanDueBy: '2026-02-03', carePlanOverdue: true });
      expect((await r.send('GET', '/orders?providerId=hela-kommunen', caseHandler)).json().find((o: { orderId: string }) => o.orderId === d.orderId)).toMatchObject({ carePlanOverdue: true });
      await r.ok(`/orders/${d.orderId}/care-plan`, provider, { agreedOn: '2026-02-04', summary: 'Late but agreed.' }, 201);
      expect((await r.send('GET', `/orders/${d.orderId}`, provider)).json()).toMatchObject({ carePlanAgreedOn: '2026-02-04', carePlanOverdue: false });
    });

    it('follows the area: 30 days for day activities, none where no care plan is required', async () => {
      const day = await placed('dag-ab', undefined, 'day-activities');
      expect(await r.ok(`/orders/${day.orderId}/accept`, await providerAs('dag-ab'), undefined)).toMatchObject({ carePlanDueBy: '2026-02-19' });
      const counselling = await placed('radgivning-ab', undefined, 'family-counselling');
      expect(await r.ok(`/orders/${counselling.orderId}/accept`, await providerAs('radgivning-ab'), undefined)).toMatchObject({ carePlanDueBy: null, carePlanOverdue: false });
    });

    it('uses the Stockholm date: accepted at 00:30 local time on 21 January (23:30 UTC the day before) is due on 4 February', async () => {
      now = new Date('2026-01-20T23:30:00Z');
      const d = await placed('hela-kommunen');
      expect(await r.ok(`/orders/${d.orderId}/accept`, await providerAs('hela-kommunen'), undefined)).toMatchObject({ carePlanDueBy: '2026-02-04' });
    });
  });

  describe('POST /orders/:orderId/reminders', () => {
    it('records a reminder once per order, subject and key, and lists it on the order for the provider', async () => {
      const d = await placed('hela-kommunen');
      const first = await r.ok<{ reminderId: string }>(`/orders/${d.orderId}/reminders`, system, { about: 'acceptance', key: 'day-3' }, 201);
      expect(first).toEqual({ reminderId: expect.any(String), orderId: d.orderId, about: 'acceptance', key: 'day-3', createdAt: expect.any(String) });
      const before = await r.counts();
      expect(await r.ok(`/orders/${d.orderId}/reminders`, system, { about: 'acceptance', key: 'day-3' })).toEqual(first);
      expect(await r.counts()).toEqual(before);
      await r.ok(`/orders/${d.orderId}/reminders`, system, { about: 'acceptance', key: 'day-5' }, 201);
      await r.ok(`/orders/${d.orderId}/reminders`, system, { about: 'care-plan', key: 'day-3' }, 201);
      const order = (await r.send('GET', `/orders/${d.orderId}`, await providerAs('hela-kommunen'))).json<{ reminders: Array<{ about: string; key: string }> }>();
      expect(order.reminders.map((x) => `${x.about}/${x.key}`).sort()).toEqual(['acceptance/day-3', 'acceptance/day-5', 'care-plan/day-3']);
      const audit = await svc.db.selectFrom('audit_log').select('action').where('entity_id', '=', d.orderId).where('action', '=', 'order.reminded').execute();
      expect(audit).toHaveLength(3);
    });

    it.each([
      [{ about: 'payment', key: 'k' }, 'body.about'],
      [{ about: 'acceptance', key: '' }, 'body.key'],
      [{ about: 'acceptance' }, 'body.key'],
    ])('refuses a reminder %j with 400 naming %s, storing nothing', async (payload, field) => {
      const d = await placed('hela-kommunen');
      await r.refused('POST', `/orders/${d.orderId}/reminders`, system, payload, 400, 'VALIDATION', field);
    });

    it('is for the journey only: provider, case handler (403), no token (401); 404 for an unknown order', async () => {
      const d = await placed('hela-kommunen');
      const payload = { about: 'approval', key: '2026-02' };
      await r.refused('POST', `/orders/${d.orderId}/reminders`, await providerAs('hela-kommunen'), payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', `/orders/${d.orderId}/reminders`, caseHandler, payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', `/orders/${d.orderId}/reminders`, {}, payload, 401, 'AUTH.MISSING_TOKEN');
      await r.refused('POST', `/orders/${UNKNOWN}/reminders`, system, payload, 404, 'ORDERS.ORDER_NOT_FOUND');
    });
  });
});
