import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCatalog, type CatalogEvent, type EventPayload } from '@kundval/contracts';
import { testEngines } from '@kundval/platform/testing';
import { applyDecisionEvent } from '../../consumers/decisions.consumer.js';
import { seedDecision, seedProvider, startOrders, type TestOrders } from '../../test-support/orders-service.js';
import { CASE_HANDLER, journeyFor, requestsFor, type Headers } from '../../test-support/requests.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

type Decision = Awaited<ReturnType<typeof seedDecision>>;
type Placed = Decision & { orderId: string };
type Change = { effectiveFrom: string; validTo: string; careHoursPerMonth: number; serviceHoursPerMonth: number; level: number | null };
type OrderView = Record<string, unknown> & { validTo: string; level: number | null; careHoursPerMonth: number; serviceHoursPerMonth: number; endDate: string | null };
type OrderDetail = OrderView & { changes: Array<Change & { changedAt: string }> };

/** The decisions service's `decisionChanged` for a seeded decision, as the consumer receives it. */
function decisionChanged(d: Decision, change: Change): CatalogEvent {
  const payload: EventPayload<'decisionChanged'> = { changeId: randomUUID(), applicationId: d.applicationId, decisionId: d.decisionId, customerId: d.customerId, ...change };
  return { name: 'decisionChanged', eventId: randomUUID(), subject: eventCatalog.decisionChanged.subject, occurredAt: new Date().toISOString(), correlationId: null, payload } as CatalogEvent;
}

describe.each(testEngines())('amending orders when their decision changes on %s', (engine) => {
  let svc: TestOrders;
  let r: ReturnType<typeof requestsFor>;
  let caseHandler: Headers;
  let system: Headers;

  beforeAll(async () => {
    svc = await startOrders(engine, 'orders_changes');
    r = requestsFor(svc);
    caseHandler = await svc.as({ role: 'case-handler' });
    system = await svc.as({ role: 'system' });
    await seedProvider(svc.db, { providerId: 'hemtjanst-a' });
    await seedProvider(svc.db, { providerId: 'hemtjanst-b' });
    await seedProvider(svc.db, { providerId: 'smal-omsorg', serviceArea: ['Fisksätra'] });
    await seedProvider(svc.db, { providerId: 'dag-ab', areaId: 'day-activities' });
  });
  afterAll(() => svc?.close());

  /** A granted decision (by default home care, 2026-02-01 to 2026-07-31, 10.5 + 4 hours) with the provider chosen and ordered. */
  async function placed(options: Parameters<typeof seedDecision>[1] = {}, providerId = 'hemtjanst-a', district?: string): Promise<Placed> {
    const decision = await seedDecision(svc.db, options);
    await r.ok(`/decisions/${decision.decisionId}/choice`, await journeyFor(svc, CASE_HANDLER), { providerId, ...(district ? { district } : {}) }, 201);
    const order = await r.ok<{ orderId: string }>('/orders', system, { decisionId: decision.decisionId }, 201);
    return { ...decision, orderId: order.orderId };
  }
  /** The decision is changed at the decisions service and its event reaches this service's copy. */
  const decide = (d: Decision, change: Change) => applyDecisionEvent(svc.db, decisionChanged(d, change));
  const change = (orderId: string, body: Change, headers: Headers = system) => r.send('POST', `/orders/${orderId}/changes`, headers, body);
  const detail = async (orderId: string) => (await r.send('GET', `/orders/${orderId}`, caseHandler)).json<OrderDetail>();
  const orderRow = (orderId: string) => svc.db.selectFrom('orders').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow();

  const renewal: Change = { effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null };

  describe('POST /orders/:orderId/changes', () => {
    it('answers 409 ORDERS.DECISION_NOT_CURRENT, storing nothing, until the copy of the decision has the change; then amends the order with an event and an audit', async () => {
      const d = await placed();
      const before = await orderRow(d.orderId);
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, renewal, 409, 'ORDERS.DECISION_NOT_CURRENT');
      expect(await orderRow(d.orderId)).toEqual(before);

      await decide(d, renewal);
      const mark = await r.mark();
      const res = await change(d.orderId, renewal);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ orderId: d.orderId, validFrom: '2026-02-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null, endDate: null });
      expect(await r.eventsSince(mark)).toEqual([
        {
          subject: 'kundval.orders.order.changed.v1',
          payload: {
            orderId: d.orderId,
            applicationId: d.applicationId,
            customerId: d.customerId,
            providerId: 'hemtjanst-a',
            effectiveFrom: '2026-05-01',
            validTo: '2026-12-31',
            careHoursPerMonth: 12,
            serviceHoursPerMonth: 2.5,
            level: null,
          },
        },
      ]);
      const audit = await svc.db.selectFrom('audit_log').select(['actor_role', 'before', 'after']).where('entity_id', '=', d.orderId).where('action', '=', 'order.changed').execute();
      expect(audit).toEqual([
        {
          actor_role: 'system',
          before: { validTo: '2026-07-31', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: null, endDate: null },
          after: { changeId: expect.any(String), effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null, endDate: null },
        },
      ]);
      expect((await detail(d.orderId)).changes).toEqual([{ ...renewal, changedAt: expect.any(String) }]);
    });

    it('answers the same change again with the order (200), storing and emitting nothing; an Idempotency-Key replays the first answer', async () => {
      const d = await placed();
      await decide(d, renewal);
      const key = { ...system, 'idempotency-key': randomUUID() };
      const first = await change(d.orderId, renewal, key);
      expect(first.statusCode, first.body).toBe(201);
      const counts = await r.counts();
      const replayed = await change(d.orderId, renewal, key);
      expect(replayed.statusCode).toBe(201);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.json()).toEqual(first.json());
      const again = await change(d.orderId, renewal);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual(first.json());
      expect(await r.counts(), 'a repeated change stores nothing, in the outbox neither').toEqual(counts);
      expect((await detail(d.orderId)).changes).toHaveLength(1);
    });

    it('records a different change from the same day as a correction: the latest wins, in the order and in its amendments', async () => {
      const d = await placed();
      await decide(d, renewal);
      await r.ok(`/orders/${d.orderId}/changes`, system, renewal, 201);
      const corrected: Change = { ...renewal, careHoursPerMonth: 14, validTo: '2026-10-31' };
      await decide(d, corrected);
      const mark = await r.mark();
      expect(await r.ok(`/orders/${d.orderId}/changes`, system, corrected, 201)).toMatchObject({ careHoursPerMonth: 14, validTo: '2026-10-31' });
      expect((await r.eventsSince(mark)).map((e) => e.payload)).toEqual([expect.objectContaining({ effectiveFrom: '2026-05-01', careHoursPerMonth: 14, validTo: '2026-10-31' })]);
      const shown = await detail(d.orderId);
      expect(shown).toMatchObject({ careHoursPerMonth: 14, validTo: '2026-10-31' });
      expect(shown.changes).toEqual([{ ...corrected, changedAt: expect.any(String) }]);
      const audit = await svc.db.selectFrom('audit_log').select('after').where('entity_id', '=', d.orderId).where('action', '=', 'order.changed').orderBy('id').execute();
      expect(audit[1]!.after).toMatchObject({ supersedes: [{ effectiveFrom: '2026-05-01' }] });
    });

    it('takes changes in the order the journey sends them, even when the copy has already moved on to a later one; an earlier day replaces the later amendments', async () => {
      const d = await placed();
      const april: Change = { effectiveFrom: '2026-04-01', validTo: '2026-07-31', careHoursPerMonth: 8, serviceHoursPerMonth: 4, level: null };
      const june: Change = { effectiveFrom: '2026-06-01', validTo: '2026-09-30', careHoursPerMonth: 6, serviceHoursPerMonth: 4, level: null };
      await decide(d, april);
      await decide(d, june);
      // April's change is the decision's though the copy now shows June's terms.
      expect(await r.ok(`/orders/${d.orderId}/changes`, system, april, 201)).toMatchObject({ careHoursPerMonth: 8, validTo: '2026-07-31' });
      expect(await r.ok(`/orders/${d.orderId}/changes`, system, june, 201)).toMatchObject({ careHoursPerMonth: 6, validTo: '2026-09-30' });
      expect((await detail(d.orderId)).changes.map((c) => [c.effectiveFrom, c.careHoursPerMonth])).toEqual([
        ['2026-04-01', 8],
        ['2026-06-01', 6],
      ]);
      // Terms the decision never had, or had from a later day only, are not its change.
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, { ...june, careHoursPerMonth: 7 }, 409, 'ORDERS.DECISION_NOT_CURRENT');
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, { ...april, effectiveFrom: '2026-03-01' }, 409, 'ORDERS.DECISION_NOT_CURRENT');

      // A change from an earlier day, decided after: the amendments from that day on give way to it.
      const may: Change = { effectiveFrom: '2026-05-01', validTo: '2026-08-31', careHoursPerMonth: 9, serviceHoursPerMonth: 3, level: null };
      await decide(d, may);
      expect(await r.ok(`/orders/${d.orderId}/changes`, system, may, 201)).toMatchObject({ careHoursPerMonth: 9, serviceHoursPerMonth: 3, validTo: '2026-08-31' });
      expect((await detail(d.orderId)).changes.map((c) => [c.effectiveFrom, c.careHoursPerMonth])).toEqual([
        ['2026-04-01', 8],
        ['2026-05-01', 9],
      ]);
    });

    it("moves the order's last day with a renewal, so that it can then be ended up to the new end and not after", async () => {
      const d = await placed();
      await r.refused('POST', `/orders/${d.orderId}/end`, system, { endDate: '2026-09-30', reason: 'decision-ended' }, 409, 'ORDERS.END_DATE_OUTSIDE_ORDER', 'body.endDate');
      await decide(d, renewal);
      await r.ok(`/orders/${d.orderId}/changes`, system, renewal, 201);
      await r.refused('POST', `/orders/${d.orderId}/end`, system, { endDate: '2027-01-01', reason: 'decision-ended' }, 409, 'ORDERS.END_DATE_OUTSIDE_ORDER', 'body.endDate');
      expect(await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-12-31', reason: 'decision-ended' })).toMatchObject({ validTo: '2026-12-31', endDate: '2026-12-31' });
      expect(await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-09-30', reason: 'decision-ended' })).toMatchObject({ validTo: '2026-12-31', endDate: '2026-09-30' });
    });

    it('moves the last day earlier with a shortened decision, never before the change, and an end already set no later than it', async () => {
      const d = await placed();
      await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-06-30', reason: 'decision-ended' });
      const shorter: Change = { effectiveFrom: '2026-04-01', validTo: '2026-05-31', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: null };
      await decide(d, shorter);
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, { ...shorter, effectiveFrom: '2026-06-01' }, 409, 'ORDERS.CHANGE_OUTSIDE_ORDER', 'body.effectiveFrom');
      expect(await r.ok(`/orders/${d.orderId}/changes`, system, shorter, 201)).toMatchObject({ validTo: '2026-05-31', endDate: '2026-05-31', endReason: 'decision-ended' });
    });

    it('shows a new voucher level in the order, its amendments, the list of orders and the event', async () => {
      const d = await placed({ areaId: 'day-activities', level: 1 }, 'dag-ab');
      const higher: Change = { effectiveFrom: '2026-03-15', validTo: '2026-07-31', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: 3 };
      await decide(d, higher);
      const mark = await r.mark();
      expect(await r.ok(`/orders/${d.orderId}/changes`, system, higher, 201)).toMatchObject({ level: 3 });
      expect((await r.eventsSince(mark))[0]!.payload).toMatchObject({ effectiveFrom: '2026-03-15', level: 3 });
      expect(await detail(d.orderId)).toMatchObject({ level: 3, validTo: '2026-07-31', changes: [{ effectiveFrom: '2026-03-15', level: 3 }] });
      const listed = (await r.send('GET', `/orders?decisionId=${d.decisionId}`, caseHandler)).json<OrderView[]>();
      expect(listed.map((o) => [o['orderId'], o.level])).toEqual([[d.orderId, 3]]);
      const provider = await svc.as({ role: 'provider', providerId: 'dag-ab' });
      expect((await r.send('GET', `/orders/${d.orderId}`, provider)).json()).toMatchObject({ level: 3, changes: [{ level: 3 }] });
    });

    it('refuses a refused order (409 ORDERS.ORDER_REFUSED) and one ended before the change (409 ORDERS.ORDER_ENDED), changing nothing', async () => {
      const refusedOrder = await placed({}, 'smal-omsorg', 'Tyresö');
      await r.ok(`/orders/${refusedOrder.orderId}/refuse`, await svc.as({ role: 'provider', providerId: 'smal-omsorg' }), { reason: 'outside-service-area', explanation: 'We do not serve Tyresö.' });
      await decide(refusedOrder, renewal);
      const refused = await orderRow(refusedOrder.orderId);
      await r.refused('POST', `/orders/${refusedOrder.orderId}/changes`, system, renewal, 409, 'ORDERS.ORDER_REFUSED');
      expect(await orderRow(refusedOrder.orderId)).toEqual(refused);

      const ended = await placed();
      await r.ok(`/orders/${ended.orderId}/end`, system, { endDate: '2026-04-30', reason: 'decision-changed' });
      await decide(ended, renewal);
      const row = await orderRow(ended.orderId);
      await r.refused('POST', `/orders/${ended.orderId}/changes`, system, renewal, 409, 'ORDERS.ORDER_ENDED');
      expect(await orderRow(ended.orderId)).toEqual(row);
      // Ended on the change's first day it is still in force that day, and takes the change.
      const lastDay = { ...renewal, effectiveFrom: '2026-04-30' };
      await decide(ended, lastDay);
      expect(await r.ok(`/orders/${ended.orderId}/changes`, system, lastDay, 201)).toMatchObject({ endDate: '2026-04-30', careHoursPerMonth: 12 });
    });

    it('refuses a change before the order began or after its new last day (409 ORDERS.CHANGE_OUTSIDE_ORDER naming body.effectiveFrom), changing nothing', async () => {
      const d = await placed();
      const early: Change = { ...renewal, effectiveFrom: '2026-01-31' };
      await decide(d, early);
      const row = await orderRow(d.orderId);
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, early, 409, 'ORDERS.CHANGE_OUTSIDE_ORDER', 'body.effectiveFrom');
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, { ...renewal, effectiveFrom: '2027-01-01' }, 409, 'ORDERS.CHANGE_OUTSIDE_ORDER', 'body.effectiveFrom');
      expect(await orderRow(d.orderId)).toEqual(row);
    });

    it("refuses to carry an order into the days of the decision's next order (409 ORDERS.ORDER_OVERLAPS)", async () => {
      const d = await placed();
      // The copy is renewed and, before the journey amends the first order, a second is placed after its end.
      const longer: Change = { effectiveFrom: '2026-07-01', validTo: '2026-09-30', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: null };
      await decide(d, longer);
      const next = await r.ok<{ orderId: string }>('/orders', system, { decisionId: d.decisionId, effectiveFrom: '2026-08-01' }, 201);
      const body = await r.refused('POST', `/orders/${d.orderId}/changes`, system, longer, 409, 'ORDERS.ORDER_OVERLAPS');
      expect(body.message).toContain(next.orderId);
      // Extending the next order is its own, and allowed.
      await r.ok(`/orders/${next.orderId}/changes`, system, { ...longer, effectiveFrom: '2026-08-01' }, 201);
    });

    it.each([
      ['no date', { validTo: '2026-12-31', careHoursPerMonth: 1, serviceHoursPerMonth: 1, level: null }, 'body.effectiveFrom'],
      ['a date that is not one', { ...renewal, validTo: '2026-02-30' }, 'body.validTo'],
      ['negative hours', { ...renewal, careHoursPerMonth: -1 }, 'body.careHoursPerMonth'],
      ['more hours than a month has', { ...renewal, serviceHoursPerMonth: 745 }, 'body.serviceHoursPerMonth'],
      ['level 0', { ...renewal, level: 0 }, 'body.level'],
      ['a fractional level', { ...renewal, level: 1.5 }, 'body.level'],
      ['no level at all', { effectiveFrom: '2026-05-01', validTo: '2026-12-31', careHoursPerMonth: 1, serviceHoursPerMonth: 1 }, 'body.level'],
    ])('refuses %s with 400 naming %s, storing nothing', async (_, payload, field) => {
      const d = await placed();
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, payload, 400, 'VALIDATION', field);
    });

    it('answers 404 for an unknown order; only the journey (system) may amend: 403 for the case handler, the citizen and the provider, 401 without a token', async () => {
      const d = await placed();
      await decide(d, renewal);
      const url = `/orders/${d.orderId}/changes`;
      await r.refused('POST', `/orders/${UNKNOWN}/changes`, system, renewal, 404, 'ORDERS.ORDER_NOT_FOUND');
      await r.refused('POST', url, caseHandler, renewal, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', url, await svc.as({ role: 'citizen', customerId: d.customerId }), renewal, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', url, await svc.as({ role: 'provider', providerId: 'hemtjanst-a' }), renewal, 403, 'AUTH.FORBIDDEN');
      await r.refused('POST', url, {}, renewal, 401, 'AUTH.MISSING_TOKEN');
      expect(await detail(d.orderId)).toMatchObject({ validTo: '2026-07-31', changes: [] });
    });
  });
});
