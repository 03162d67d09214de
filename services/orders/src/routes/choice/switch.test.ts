import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog, type CatalogEvent, type EventName, type EventPayload } from '@kundval/contracts';
import { testEngines } from '@kundval/platform/testing';
import { applyDecisionEvent } from '../../consumers/decisions.consumer.js';
import { seedDecision, seedProvider, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { CASE_HANDLER, journeyFor, requestsFor, type Headers } from '../../test-support/requests.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

function event<N extends EventName>(name: N, payload: EventPayload<N>): CatalogEvent {
  return { name, eventId: randomUUID(), subject: eventCatalog[name].subject, occurredAt: new Date().toISOString(), correlationId: null, payload } as CatalogEvent;
}

type Placed = { decisionId: string; applicationId: string; customerId: string; orderId: string };

describe.each(testEngines())('switching provider and orders over a decision on %s', (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;
  let caseHandler: Headers;
  let system: Headers;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_switching');
    r = requestsFor(svc);
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system' });
    await seedProvider(svc.db, { providerId: 'hemtjanst-a', kind: 'private' });
    await seedProvider(svc.db, { providerId: 'hemtjanst-b', kind: 'municipal', isDefault: true });
    await seedProvider(svc.db, { providerId: 'hemtjanst-c', kind: 'private' });
    await seedProvider(svc.db, { providerId: 'vilande-d', status: 'suspended' });
    await seedProvider(svc.db, { providerId: 'dag-ab', areaId: 'day-activities' });
  });
  afterAll(() => svc?.close());

  const citizenOf = (customerId: string) => svc.as({ role: 'citizen', customerId });

  /** A granted decision (2026-02-01 to 2026-07-31) with provider A chosen and its order placed. */
  async function placed(options: Parameters<typeof seedDecision>[1] = {}, providerId = 'hemtjanst-a'): Promise<Placed> {
    const decision = await seedDecision(svc.db, options);
    await r.ok(`/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId }, 201);
    const order = await r.ok<{ orderId: string }>('/orders', system, { decisionId: decision.decisionId }, 201);
    return { ...decision, orderId: order.orderId };
  }

  describe('POST /decisions/:decisionId/switch', () => {
    it('switches from the chosen date; the old order is then ended the day before and the new provider ordered from that date', async () => {
      const d = await placed();
      const mark = await r.mark();
      const switched = await r.ok(`/decisions/${d.decisionId}/switch`, await citizenOf(d.customerId), { providerId: 'hemtjanst-b', effectiveFrom: '2026-03-01' }, 201);
      expect(switched).toEqual({ switchId: expect.any(String), decisionId: d.decisionId, fromProviderId: 'hemtjanst-a', toProviderId: 'hemtjanst-b', effectiveFrom: '2026-03-01' });
      expect(await r.eventsSince(mark)).toEqual([
        {
          subject: 'kundval.orders.provider.switched.v1',
          payload: {
            switchId: switched['switchId'],
            applicationId: d.applicationId,
            decisionId: d.decisionId,
            customerId: d.customerId,
            fromProviderId: 'hemtjanst-a',
            toProviderId: 'hemtjanst-b',
            toProviderKind: 'municipal',
            effectiveFrom: '2026-03-01',
          },
        },
      ]);
      const audit = await svc.db.selectFrom('audit_log').select(['action', 'actor_role', 'before', 'after']).where('entity_id', '=', d.decisionId).where('action', '=', 'provider.switched').execute();
      expect(audit).toEqual([{ action: 'provider.switched', actor_role: 'citizen', before: { providerId: 'hemtjanst-a' }, after: { providerId: 'hemtjanst-b', effectiveFrom: '2026-03-01' } }]);

      // The old order is still in force on the switch date: a new one may not overlap it.
      await r.refused('POST', '/orders', system, { decisionId: d.decisionId, effectiveFrom: '2026-03-01' }, 409, 'ORDERS.ORDER_OVERLAPS');

      const ended = await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-02-28', reason: 'switched' });
      expect(ended).toMatchObject({ orderId: d.orderId, providerId: 'hemtjanst-a', validFrom: '2026-02-01', validTo: '2026-07-31', endDate: '2026-02-28', endReason: 'switched' });
      const next = await r.mark();
      const order = await r.ok<{ orderId: string }>('/orders', system, { decisionId: d.decisionId, effectiveFrom: '2026-03-01' }, 201);
      expect(order).toMatchObject({ providerId: 'hemtjanst-b', status: 'placed', validFrom: '2026-03-01', validTo: '2026-07-31', endDate: null, level: null });
      expect(await r.eventsSince(next)).toEqual([
        {
          subject: 'kundval.orders.order.placed.v1',
          payload: {
            orderId: order.orderId,
            applicationId: d.applicationId,
            decisionId: d.decisionId,
            customerId: d.customerId,
            providerId: 'hemtjanst-b',
            providerKind: 'municipal',
            areaId: 'home-care',
            municipality: 'nacka',
            careHoursPerMonth: 10.5,
            serviceHoursPerMonth: 4,
            validFrom: '2026-03-01',
            validTo: '2026-07-31',
            level: null,
            decidingMunicipality: null,
          },
        },
      ]);

      // Idempotent per decision and start date: each start date answers with its own order.
      const before = await r.counts();
      expect((await r.send('POST', '/orders', caseHandler, { decisionId: d.decisionId, effectiveFrom: '2026-03-01' })).json().orderId).toBe(order.orderId);
      const first = await r.send('POST', '/orders', system, { decisionId: d.decisionId });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ orderId: d.orderId, providerId: 'hemtjanst-a' });
      expect(await r.counts()).toEqual(before);

      const listed = (await r.send('GET', `/orders?decisionId=${d.decisionId}`, caseHandler)).json<Array<{ orderId: string }>>();
      expect(listed.map((o) => o.orderId)).toEqual([d.orderId, order.orderId]);
    });

    it.each([
      ['today', '2026-01-20', 'ORDERS.SWITCH_DATE_PAST'],
      ['a past day', '2026-01-10', 'ORDERS.SWITCH_DATE_PAST'],
      ["a day before the current order's start", '2026-01-25', 'ORDERS.SWITCH_BEFORE_ORDER_START'],
      ["a day after the decision's end", '2026-08-01', 'ORDERS.SWITCH_AFTER_DECISION_END'],
    ])('refuses a switch from %s with 409 %s naming body.effectiveFrom, storing nothing', async (_, effectiveFrom, code) => {
      const d = await placed();
      await r.refused('POST', `/decisions/${d.decisionId}/switch`, caseHandler, { providerId: 'hemtjanst-b', effectiveFrom }, 409, code, 'body.effectiveFrom');
    });

    it('refuses a switch to the current provider (409 ORDERS.SAME_PROVIDER) and one before any choice (409 ORDERS.NO_CHOICE)', async () => {
      const d = await placed();
      await r.refused('POST', `/decisions/${d.decisionId}/switch`, caseHandler, { providerId: 'hemtjanst-a', effectiveFrom: '2026-03-01' }, 409, 'ORDERS.SAME_PROVIDER');
      const unchosen = await seedDecision(svc.db);
      await r.refused('POST', `/decisions/${unchosen.decisionId}/switch`, caseHandler, { providerId: 'hemtjanst-a', effectiveFrom: '2026-03-01' }, 409, 'ORDERS.NO_CHOICE');
    });

    it.each([
      ['a suspended provider', { providerId: 'vilande-d', effectiveFrom: '2026-03-01' }, 'body.providerId', 'ORDERS.PROVIDER_NOT_AUTHORIZED'],
      ['a provider of another area', { providerId: 'dag-ab', effectiveFrom: '2026-03-01' }, 'body.providerId', 'ORDERS.PROVIDER_NOT_AUTHORIZED'],
      ['no provider', { effectiveFrom: '2026-03-01' }, 'body.providerId', 'VALIDATION'],
      ['no date', { providerId: 'hemtjanst-b' }, 'body.effectiveFrom', 'VALIDATION'],
      ['a date that is not one', { providerId: 'hemtjanst-b', effectiveFrom: '2026-02-30' }, 'body.effectiveFrom', 'VALIDATION'],
    ])('refuses a switch to %s with 400 naming %s, storing nothing', async (_, payload, field, code) => {
      const d = await placed();
      await r.refused('POST', `/decisions/${d.decisionId}/switch`, caseHandler, payload, 400, code, field);
    });

    it("does not find the decision for another customer's citizen (404), refuses a provider (403), a call without a token (401); 404 for an unknown decision, 409 for a denied one", async () => {
      const d = await placed();
      const payload = { providerId: 'hemtjanst-b', effectiveFrom: '2026-03-01' };
      const url = `/decisions/${d.decisionId}/switch`;
      await r.refused('POST', url, await citizenOf(UNKNOWN), payload, 404, 'ORDERS.DECISION_NOT_FOUND');
      await r.refused('POST', url, await svc.as({ role: 'provider', providerId: 'hemtjanst-a' }), payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', url, system, payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', url, {}, payload, 401, 'AUTH.MISSING_TOKEN');
      await r.refused('POST', `/decisions/${UNKNOWN}/switch`, caseHandler, payload, 404, 'ORDERS.DECISION_NOT_FOUND');
      const denied = await seedDecision(svc.db, { outcome: 'denied' });
      await r.refused('POST', `/decisions/${denied.decisionId}/switch`, caseHandler, payload, 409, 'ORDERS.DECISION_DENIED');
    });

    it('a switch from the first order\'s start replaces that order before it begins: it ends the day before and the new order takes its start', async () => {
      const d = await placed();
      expect(await r.ok(`/decisions/${d.decisionId}/switch`, caseHandler, { providerId: 'hemtjanst-c', effectiveFrom: '2026-02-01' }, 201)).toMatchObject({ fromProviderId: 'hemtjanst-a' });
      await r.refused('POST', `/orders/${d.orderId}/end`, system, { endDate: '2026-01-30', reason: 'switched' }, 409, 'ORDERS.END_DATE_OUTSIDE_ORDER', 'body.endDate');
      expect(await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-01-31', reason: 'switched' })).toMatchObject({ endDate: '2026-01-31' });
      const order = await r.ok('/orders', system, { decisionId: d.decisionId }, 201);
      expect(order).toMatchObject({ providerId: 'hemtjanst-c', validFrom: '2026-02-01' });
      expect(order['orderId']).not.toBe(d.orderId);
    });

    it('switching again from an earlier date replaces the later switch', async () => {
      const d = await placed();
      await r.ok(`/decisions/${d.decisionId}/switch`, caseHandler, { providerId: 'hemtjanst-b', effectiveFrom: '2026-04-01' }, 201);
      const again = await r.ok(`/decisions/${d.decisionId}/switch`, caseHandler, { providerId: 'hemtjanst-c', effectiveFrom: '2026-03-01' }, 201);
      expect(again).toMatchObject({ fromProviderId: 'hemtjanst-a', toProviderId: 'hemtjanst-c' });
      await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-02-28', reason: 'switched' });
      // On 1 April the provider is C: the switch to B from that day no longer stands.
      expect(await r.ok('/orders', system, { decisionId: d.decisionId, effectiveFrom: '2026-04-01' }, 201)).toMatchObject({ providerId: 'hemtjanst-c' });
    });
  });

  describe('POST /orders', () => {
    it("carries the decision's voucher level into the order and its event", async () => {
      const decision = await seedDecision(svc.db, { areaId: 'day-activities', level: 2 });
      await r.ok(`/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'dag-ab' }, 201);
      const mark = await r.mark();
      const order = await r.ok('/orders', system, { decisionId: decision.decisionId }, 201);
      expect(order).toMatchObject({ areaId: 'day-activities', level: 2 });
      expect((await r.eventsSince(mark))[0]!.payload).toMatchObject({ level: 2, validFrom: '2026-02-01', validTo: '2026-07-31' });
    });

    it('refuses a start outside the decision (409 ORDERS.OUTSIDE_DECISION) and a malformed one (400), storing nothing', async () => {
      const decision = await seedDecision(svc.db);
      await r.ok(`/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hemtjanst-a' }, 201);
      await r.refused('POST', '/orders', system, { decisionId: decision.decisionId, effectiveFrom: '2026-01-31' }, 409, 'ORDERS.OUTSIDE_DECISION', 'body.effectiveFrom');
      await r.refused('POST', '/orders', system, { decisionId: decision.decisionId, effectiveFrom: '2026-08-01' }, 409, 'ORDERS.OUTSIDE_DECISION', 'body.effectiveFrom');
      await r.refused('POST', '/orders', system, { decisionId: decision.decisionId, effectiveFrom: '1 March' }, 400, 'VALIDATION', 'body.effectiveFrom');
    });
  });

  describe('POST /orders/:orderId/end', () => {
    it('ends an order once with an event; the same or a later day again changes nothing; an earlier day moves the end and says so', async () => {
      const d = await placed();
      const mark = await r.mark();
      expect(await r.ok(`/orders/${d.orderId}/end`, caseHandler, { endDate: '2026-06-30', reason: 'decision-ended' })).toMatchObject({ endDate: '2026-06-30', endReason: 'decision-ended' });
      expect(await r.eventsSince(mark)).toEqual([
        {
          subject: 'kundval.orders.order.ended.v1',
          payload: { orderId: d.orderId, applicationId: d.applicationId, customerId: d.customerId, providerId: 'hemtjanst-a', endDate: '2026-06-30', reason: 'decision-ended' },
        },
      ]);
      const before = await r.counts();
      expect(await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-06-30', reason: 'decision-ended' })).toMatchObject({ endDate: '2026-06-30' });
      expect(await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-07-15', reason: 'decision-ended' })).toMatchObject({ endDate: '2026-06-30' });
      expect(await r.counts()).toEqual(before);

      const earlier = await r.mark();
      expect(await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-05-10', reason: 'decision-ended' })).toMatchObject({ endDate: '2026-05-10' });
      expect((await r.eventsSince(earlier)).map((e) => e.payload['endDate'])).toEqual(['2026-05-10']);
    });

    it.each([
      ['after the order', { endDate: '2026-08-01', reason: 'decision-ended' }, 409, 'ORDERS.END_DATE_OUTSIDE_ORDER', 'body.endDate'],
      ['long before it', { endDate: '2026-01-01', reason: 'switched' }, 409, 'ORDERS.END_DATE_OUTSIDE_ORDER', 'body.endDate'],
      ['with an unknown reason', { endDate: '2026-05-01', reason: 'moved' }, 400, 'VALIDATION', 'body.reason'],
      ['without a date', { reason: 'switched' }, 400, 'VALIDATION', 'body.endDate'],
    ])('refuses an end %s, storing nothing', async (_, payload, status, code, field) => {
      const d = await placed();
      await r.refused('POST', `/orders/${d.orderId}/end`, system, payload, status, code, field);
    });

    it('refuses the provider and the citizen (403) and a call without a token (401); 404 for an unknown order', async () => {
      const d = await placed();
      const payload = { endDate: '2026-05-01', reason: 'switched' };
      await r.refused('POST', `/orders/${d.orderId}/end`, await svc.as({ role: 'provider', providerId: 'hemtjanst-a' }), payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', `/orders/${d.orderId}/end`, await citizenOf(d.customerId), payload, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', `/orders/${d.orderId}/end`, {}, payload, 401, 'AUTH.MISSING_TOKEN');
      await r.refused('POST', `/orders/${UNKNOWN}/end`, system, payload, 404, 'ORDERS.ORDER_NOT_FOUND');
    });
  });

  describe('decision changes and ends, as the consumer applies them', () => {
    it('a changed decision: the next order, from the change, carries the new hours, level and validity of the same provider', async () => {
      const d = await placed();
      const changed = event('decisionChanged', {
        changeId: randomUUID(),
        applicationId: d.applicationId,
        decisionId: d.decisionId,
        customerId: d.customerId,
        effectiveFrom: '2026-04-01',
        careHoursPerMonth: 20,
        serviceHoursPerMonth: 6,
        validTo: '2026-12-31',
        level: null,
      });
      await applyDecisionEvent(svc.db, changed);
      await applyDecisionEvent(svc.db, changed);
      await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-03-31', reason: 'decision-changed' });
      expect(await r.ok('/orders', system, { decisionId: d.decisionId, effectiveFrom: '2026-04-01' }, 201)).toMatchObject({
        providerId: 'hemtjanst-a',
        careHoursPerMonth: 20,
        serviceHoursPerMonth: 6,
        validFrom: '2026-04-01',
        validTo: '2026-12-31',
      });
      // The order placed before took the change from its first day in the consumer (ADR 0029), and ends before that day:
      // its hours until the end are the ones it was placed with.
      const before = (await r.send('GET', `/orders/${d.orderId}`, system)).json<{ endDate: string; changes: Array<{ effectiveFrom: string; careHoursPerMonth: number }> }>();
      expect(before.endDate).toBe('2026-03-31');
      expect(before.changes.map((c) => [c.effectiveFrom, c.careHoursPerMonth])).toEqual([['2026-04-01', 20]]);
    });

    it('an ended decision takes no new choice, caps new orders at its last day and refuses switches after it', async () => {
      const d = await seedDecision(svc.db);
      await r.ok(`/decisions/${d.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hemtjanst-a' }, 201);
      await applyDecisionEvent(svc.db, event('decisionEnded', { applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, reason: 'moved', endDate: '2026-05-15' }));
      expect(await r.ok('/orders', system, { decisionId: d.decisionId }, 201)).toMatchObject({ validFrom: '2026-02-01', validTo: '2026-05-15' });
      await r.refused('POST', `/decisions/${d.decisionId}/switch`, caseHandler, { providerId: 'hemtjanst-b', effectiveFrom: '2026-06-01' }, 409, 'ORDERS.SWITCH_AFTER_DECISION_END');

      const unchosen = await seedDecision(svc.db);
      await applyDecisionEvent(svc.db, event('decisionEnded', { applicationId: unchosen.applicationId, decisionId: unchosen.decisionId, customerId: unchosen.customerId, reason: 'deceased', endDate: '2026-03-01' }));
      await r.refused('POST', `/decisions/${unchosen.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId: 'hemtjanst-a' }, 409, 'ORDERS.DECISION_ENDED');
      await r.refused('POST', `/decisions/${unchosen.decisionId}/default-choice`, system, undefined, 409, 'ORDERS.DECISION_ENDED');
    });
  });
});
