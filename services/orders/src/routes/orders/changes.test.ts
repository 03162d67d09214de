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
  const amendments = (orderId: string) =>
    svc.db.selectFrom('audit_log').select(['actor', 'actor_role', 'agent', 'before', 'after', 'correlation_id']).where('entity_id', '=', orderId).where('action', '=', 'order.changed').orderBy('id').execute();

  describe("a decision's change, as its consumer applies it (ADR 0029)", () => {
    it('amends the order in force in the transaction that copies the change, with orderChanged and an audit row naming the system and the decision event', async () => {
      const d = await placed();
      const mark = await r.mark();
      const event = decisionChanged(d, renewal);
      await applyDecisionEvent(svc.db, event);
      expect(await detail(d.orderId)).toMatchObject({ orderId: d.orderId, validFrom: '2026-02-01', validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null, endDate: null });
      expect((await detail(d.orderId)).changes).toEqual([{ ...renewal, changedAt: expect.any(String) }]);
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
      const payload = event.payload as EventPayload<'decisionChanged'>;
      expect(await amendments(d.orderId)).toEqual([
        {
          actor: 'orders-decisions',
          actor_role: 'system',
          agent: null,
          before: { validTo: '2026-07-31', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: null, endDate: null },
          after: {
            changeId: expect.any(String),
            effectiveFrom: '2026-05-01',
            validTo: '2026-12-31',
            careHoursPerMonth: 12,
            serviceHoursPerMonth: 2.5,
            level: null,
            endDate: null,
            cause: { event: 'decisionChanged', eventId: event.eventId, decisionChangeId: payload.changeId },
          },
          correlation_id: event.eventId,
        },
      ]);
    });

    it('amends nothing twice when the change is delivered again: no row, no event', async () => {
      const d = await placed();
      const event = decisionChanged(d, renewal);
      await applyDecisionEvent(svc.db, event);
      const counts = await r.counts();
      const mark = await r.mark();
      await applyDecisionEvent(svc.db, event);
      expect(await r.counts()).toEqual(counts);
      expect(await r.eventsSince(mark)).toEqual([]);
      expect((await detail(d.orderId)).changes).toHaveLength(1);
    });

    it('records a different change from the same day as a correction: the latest wins, in the order and in its amendments', async () => {
      const d = await placed();
      await decide(d, renewal);
      const corrected: Change = { ...renewal, careHoursPerMonth: 14, validTo: '2026-10-31' };
      const mark = await r.mark();
      await decide(d, corrected);
      expect((await r.eventsSince(mark)).map((e) => e.payload)).toEqual([expect.objectContaining({ effectiveFrom: '2026-05-01', careHoursPerMonth: 14, validTo: '2026-10-31' })]);
      const shown = await detail(d.orderId);
      expect(shown).toMatchObject({ careHoursPerMonth: 14, validTo: '2026-10-31' });
      expect(shown.changes).toEqual([{ ...corrected, changedAt: expect.any(String) }]);
      expect((await amendments(d.orderId))[1]!.after).toMatchObject({ supersedes: [{ effectiveFrom: '2026-05-01' }] });
    });

    it('takes changes in stream order; an earlier day decided later replaces the later amendments', async () => {
      const d = await placed();
      await decide(d, { effectiveFrom: '2026-04-01', validTo: '2026-07-31', careHoursPerMonth: 8, serviceHoursPerMonth: 4, level: null });
      await decide(d, { effectiveFrom: '2026-06-01', validTo: '2026-09-30', careHoursPerMonth: 6, serviceHoursPerMonth: 4, level: null });
      expect((await detail(d.orderId)).changes.map((c) => [c.effectiveFrom, c.careHoursPerMonth, c.validTo])).toEqual([
        ['2026-04-01', 8, '2026-07-31'],
        ['2026-06-01', 6, '2026-09-30'],
      ]);
      await decide(d, { effectiveFrom: '2026-05-01', validTo: '2026-08-31', careHoursPerMonth: 9, serviceHoursPerMonth: 3, level: null });
      expect(await detail(d.orderId)).toMatchObject({ careHoursPerMonth: 9, serviceHoursPerMonth: 3, validTo: '2026-08-31' });
      expect((await detail(d.orderId)).changes.map((c) => [c.effectiveFrom, c.careHoursPerMonth])).toEqual([
        ['2026-04-01', 8],
        ['2026-05-01', 9],
      ]);
    });

    it("moves the order's last day with a renewal, so that it can then be ended up to the new end and not after", async () => {
      const d = await placed();
      await r.refused('POST', `/orders/${d.orderId}/end`, system, { endDate: '2026-09-30', reason: 'decision-ended' }, 409, 'ORDERS.END_DATE_OUTSIDE_ORDER', 'body.endDate');
      await decide(d, renewal);
      await r.refused('POST', `/orders/${d.orderId}/end`, system, { endDate: '2027-01-01', reason: 'decision-ended' }, 409, 'ORDERS.END_DATE_OUTSIDE_ORDER', 'body.endDate');
      expect(await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-12-31', reason: 'decision-ended' })).toMatchObject({ validTo: '2026-12-31', endDate: '2026-12-31' });
      expect(await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-09-30', reason: 'decision-ended' })).toMatchObject({ validTo: '2026-12-31', endDate: '2026-09-30' });
    });

    it('moves the last day earlier with a shortened decision, and an end already set no later than it', async () => {
      const d = await placed();
      await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-06-30', reason: 'decision-ended' });
      await decide(d, { effectiveFrom: '2026-04-01', validTo: '2026-05-31', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: null });
      expect(await detail(d.orderId)).toMatchObject({ validTo: '2026-05-31', endDate: '2026-05-31', endReason: 'decision-ended' });
    });

    it('shows a new voucher level in the order, its amendments, the list of orders and the event', async () => {
      const d = await placed({ areaId: 'day-activities', level: 1 }, 'dag-ab');
      const mark = await r.mark();
      await decide(d, { effectiveFrom: '2026-03-15', validTo: '2026-07-31', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: 3 });
      expect((await r.eventsSince(mark)).map((e) => e.payload)).toEqual([expect.objectContaining({ orderId: d.orderId, effectiveFrom: '2026-03-15', level: 3 })]);
      expect(await detail(d.orderId)).toMatchObject({ level: 3, validTo: '2026-07-31', changes: [{ effectiveFrom: '2026-03-15', level: 3 }] });
      const listed = (await r.send('GET', `/orders?decisionId=${d.decisionId}`, caseHandler)).json<OrderView[]>();
      expect(listed.map((o) => [o['orderId'], o.level])).toEqual([[d.orderId, 3]]);
      const provider = await svc.as({ role: 'provider', providerId: 'dag-ab' });
      expect((await r.send('GET', `/orders/${d.orderId}`, provider)).json()).toMatchObject({ level: 3, changes: [{ level: 3 }] });
    });

    it('amends an order from its own first day when it began after the change, and each of the orders the change reaches', async () => {
      const d = await placed();
      await r.ok(`/orders/${d.orderId}/end`, system, { endDate: '2026-05-31', reason: 'switched' });
      const next = await r.ok<{ orderId: string }>('/orders', system, { decisionId: d.decisionId, effectiveFrom: '2026-06-01' }, 201);
      const mark = await r.mark();
      await decide(d, renewal);
      expect((await r.eventsSince(mark)).map((e) => [e.payload['orderId'], e.payload['effectiveFrom'], e.payload['validTo']])).toEqual([
        [d.orderId, '2026-05-01', '2026-12-31'],
        [next.orderId, '2026-06-01', '2026-12-31'],
      ]);
      expect(await detail(d.orderId)).toMatchObject({ endDate: '2026-05-31', careHoursPerMonth: 12 });
      expect(await detail(next.orderId)).toMatchObject({ validFrom: '2026-06-01', endDate: null, validTo: '2026-12-31', careHoursPerMonth: 12 });
    });

    it('leaves alone a refused order, one ended before the change and one beginning after the new last day: the copy still takes the change', async () => {
      const refusedOrder = await placed({}, 'smal-omsorg', 'Tyresö');
      await r.ok(`/orders/${refusedOrder.orderId}/refuse`, await svc.as({ role: 'provider', providerId: 'smal-omsorg' }), { reason: 'outside-service-area', explanation: 'We do not serve Tyresö.' });
      const refused = await orderRow(refusedOrder.orderId);
      await decide(refusedOrder, renewal);
      expect(await orderRow(refusedOrder.orderId)).toEqual(refused);

      const ended = await placed();
      await r.ok(`/orders/${ended.orderId}/end`, system, { endDate: '2026-04-30', reason: 'decision-changed' });
      const row = await orderRow(ended.orderId);
      const mark = await r.mark();
      await decide(ended, renewal);
      expect(await orderRow(ended.orderId)).toEqual(row);
      expect(await r.eventsSince(mark)).toEqual([]);
      expect(await svc.db.selectFrom('decisions').select('valid_to').where('decision_id', '=', ended.decisionId).executeTakeFirstOrThrow()).toEqual({ valid_to: '2026-12-31' });
      // Ended on the change's first day it is still in force that day, and takes the change.
      await decide(ended, { ...renewal, effectiveFrom: '2026-04-30' });
      expect(await detail(ended.orderId)).toMatchObject({ endDate: '2026-04-30', careHoursPerMonth: 12 });

      const later = await placed();
      await r.ok(`/orders/${later.orderId}/end`, system, { endDate: '2026-05-31', reason: 'switched' });
      const next = await r.ok<{ orderId: string }>('/orders', system, { decisionId: later.decisionId, effectiveFrom: '2026-06-01' }, 201);
      const nextRow = await orderRow(next.orderId);
      await decide(later, { effectiveFrom: '2026-03-01', validTo: '2026-04-30', careHoursPerMonth: 10.5, serviceHoursPerMonth: 4, level: null });
      expect(await orderRow(next.orderId)).toEqual(nextRow);
      expect(await detail(later.orderId)).toMatchObject({ validTo: '2026-04-30', endDate: '2026-04-30' });
    });
  });

  describe('POST /orders/:orderId/changes (journeys on the old path, ADR 0029)', () => {
    it('answers 409 ORDERS.DECISION_NOT_CURRENT, storing nothing, until the copy of the decision has the change; then the order the consumer amended (200), storing and emitting nothing', async () => {
      const d = await placed();
      const before = await orderRow(d.orderId);
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, renewal, 409, 'ORDERS.DECISION_NOT_CURRENT');
      expect(await orderRow(d.orderId)).toEqual(before);

      await decide(d, renewal);
      const counts = await r.counts();
      const key = { ...system, 'idempotency-key': randomUUID() };
      const res = await change(d.orderId, renewal, key);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ orderId: d.orderId, validTo: '2026-12-31', careHoursPerMonth: 12, serviceHoursPerMonth: 2.5, level: null, endDate: null });
      const replayed = await change(d.orderId, renewal, key);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.json()).toEqual(res.json());
      expect((await r.counts())['order_changes']).toEqual(counts['order_changes']);
      expect((await r.counts())['outbox']).toEqual(counts['outbox']);
      expect((await detail(d.orderId)).changes).toHaveLength(1);
    });

    it('refuses a change before the order began or after its new last day (409 ORDERS.CHANGE_OUTSIDE_ORDER naming body.effectiveFrom), changing nothing', async () => {
      const d = await placed();
      const row = await orderRow(d.orderId);
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, { ...renewal, effectiveFrom: '2026-01-31' }, 409, 'ORDERS.CHANGE_OUTSIDE_ORDER', 'body.effectiveFrom');
      await r.refused('POST', `/orders/${d.orderId}/changes`, system, { ...renewal, effectiveFrom: '2027-01-01' }, 409, 'ORDERS.CHANGE_OUTSIDE_ORDER', 'body.effectiveFrom');
      expect(await orderRow(d.orderId)).toEqual(row);
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
      expect((await detail(d.orderId)).changes).toHaveLength(1);
    });
  });
});
