import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InsertQueryNode, type KyselyPlugin } from 'kysely';
import type { EventPayload } from '@kundval/contracts';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { applyOrderEvent, ordersConsumerHandlers } from './orders.consumer.js';
import { changeOrder, endOrder, orderEvent, placeOrder, startFullBilling, type FullBilling } from '../test-support/corrections.js';

describe.each(testEngines())("billing's copy of orders on %s", (engine) => {
  let svc: FullBilling;

  beforeAll(async () => {
    svc = await startFullBilling(engine, 'billing_orders_consumer');
  });
  afterAll(() => svc?.close());

  const row = (orderId: string) => svc.db.selectFrom('orders').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow();

  it('keeps the voucher level of a placed order, and the end date and reason of an ended one', async () => {
    const order = await placeOrder(svc.db, { providerId: 'kopia', areaId: 'nursing-home', level: 6, validFrom: '2025-03-01', validTo: '2025-12-31' });
    expect(await row(order.orderId)).toMatchObject({ level: 6, end_date: null, valid_to: '2025-12-31' });
    await endOrder(svc.db, order, '2025-05-15', 'switched');
    expect(await row(order.orderId)).toMatchObject({ end_date: '2025-05-15', end_reason: 'switched', valid_to: '2025-12-31' });
  });

  it('keeps the municipality whose decision placed the customer here, and none for our own decisions', async () => {
    const placed = await placeOrder(svc.db, { providerId: 'kopia', decidingMunicipality: 'varmdo' });
    const own = await placeOrder(svc.db, { providerId: 'kopia' });
    expect(await row(placed.orderId)).toMatchObject({ deciding_municipality: 'varmdo', municipality: 'nacka' });
    expect(await row(own.orderId)).toMatchObject({ deciding_municipality: null });
  });

  it('applies a redelivered event once', async () => {
    const order = await placeOrder(svc.db, { providerId: 'kopia' });
    const ended = orderEvent('orderEnded', { orderId: order.orderId, applicationId: order.applicationId, customerId: order.customerId, providerId: 'kopia', endDate: '2025-04-30', reason: 'decision-ended' });
    await applyOrderEvent(svc.db, ended);
    const before = await tableCounts(svc.db);
    await applyOrderEvent(svc.db, ended);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  const changes = (orderId: string) =>
    svc.db.selectFrom('order_changes').select(['effective_from', 'valid_to', 'level', 'care_hours_per_month', 'service_hours_per_month']).where('order_id', '=', orderId).orderBy('effective_from').execute();

  it("keeps an amendment and gives the copy its new last day, level and hours, the placed level kept for the days before it", async () => {
    const order = await placeOrder(svc.db, { providerId: 'kopia', areaId: 'nursing-home', level: 3, validFrom: '2025-03-01', validTo: '2025-06-30' });
    expect(await row(order.orderId)).toMatchObject({ level: 3, placed_level: 3, care_hours_per_month: 10, service_hours_per_month: 2 });
    await changeOrder(svc.db, order, { effectiveFrom: '2025-05-10', validTo: '2025-12-31', level: 5, careHoursPerMonth: 12.5, serviceHoursPerMonth: 0 });
    expect(await row(order.orderId)).toMatchObject({ valid_from: '2025-03-01', valid_to: '2025-12-31', level: 5, placed_level: 3, care_hours_per_month: 12.5, service_hours_per_month: 0, end_date: null });
    expect(await changes(order.orderId)).toEqual([{ effective_from: '2025-05-10', valid_to: '2025-12-31', level: 5, care_hours_per_month: 12.5, service_hours_per_month: 0 }]);
  });

  it('applies an amendment delivered again, or published again under another id, once', async () => {
    const order = await placeOrder(svc.db, { providerId: 'kopia', areaId: 'day-activities', level: 1 });
    const changed = await changeOrder(svc.db, order, { effectiveFrom: '2025-04-01', validTo: '2026-03-31', level: 2 });
    const before = await tableCounts(svc.db);
    await applyOrderEvent(svc.db, changed);
    expect(await tableCounts(svc.db)).toEqual(before);
    // The same terms from the same day in a new event: the inbox records the event, nothing else changes.
    await changeOrder(svc.db, order, { effectiveFrom: '2025-04-01', validTo: '2026-03-31', level: 2 });
    expect(await changes(order.orderId)).toEqual([expect.objectContaining({ level: 2 })]);
    expect(await row(order.orderId)).toMatchObject({ level: 2, valid_to: '2026-03-31' });
  });

  it('keeps the terms orders made last for a day, whichever arrives last', async () => {
    const order = await placeOrder(svc.db, { providerId: 'kopia', areaId: 'day-activities', level: 1 });
    await changeOrder(svc.db, order, { effectiveFrom: '2025-04-01', validTo: '2025-12-31', level: 3 }, new Date('2025-03-20T10:00:00Z'));
    // An amendment made earlier (level 2) reaches billing only now, redelivered after a failure.
    await changeOrder(svc.db, order, { effectiveFrom: '2025-04-01', validTo: '2025-12-31', level: 2 }, new Date('2025-03-19T10:00:00Z'));
    expect(await changes(order.orderId)).toEqual([expect.objectContaining({ level: 3 })]);
    expect(await row(order.orderId)).toMatchObject({ level: 3, placed_level: 1 });
  });

  it('gives the copy the terms of the amendment orders made last, even from an earlier day, and ignores one made earlier that arrives late', async () => {
    const order = await placeOrder(svc.db, { providerId: 'kopia', areaId: 'nursing-home', level: 2, validTo: '2025-06-30' });
    await changeOrder(svc.db, order, { effectiveFrom: '2025-09-01', validTo: '2026-06-30', level: 6 }, new Date('2025-08-20T10:00:00Z'));
    // Changed again, from an earlier day: the decision as it now stands replaces the level-6 amendment.
    await changeOrder(svc.db, order, { effectiveFrom: '2025-05-01', validTo: '2025-12-31', level: 4 }, new Date('2025-08-25T10:00:00Z'));
    expect(await row(order.orderId)).toMatchObject({ level: 4, valid_to: '2025-12-31', placed_level: 2 });
    // An amendment made before both reaches billing only now: it changes nothing in force.
    await changeOrder(svc.db, order, { effectiveFrom: '2025-07-01', validTo: '2025-12-31', level: 3 }, new Date('2025-06-01T10:00:00Z'));
    expect(await row(order.orderId)).toMatchObject({ level: 4, valid_to: '2025-12-31' });
    expect((await changes(order.orderId)).map((c) => [c.effective_from, c.level])).toEqual([
      ['2025-05-01', 4],
      ['2025-07-01', 3],
      ['2025-09-01', 6],
    ]);
  });

  it('keeps the end of an order that ended when its decision is renewed', async () => {
    const order = await placeOrder(svc.db, { providerId: 'kopia', validFrom: '2025-01-01', validTo: '2025-06-30' });
    await endOrder(svc.db, order, '2025-03-15', 'switched');
    await changeOrder(svc.db, order, { effectiveFrom: '2025-07-01', validTo: '2025-12-31' });
    expect(await row(order.orderId)).toMatchObject({ valid_to: '2025-12-31', end_date: '2025-03-15', end_reason: 'switched' });
  });

  it('refuses (for a later redelivery) an amendment of an order billing has not seen placed, recording nothing', async () => {
    const before = await tableCounts(svc.db);
    const event = orderEvent('orderChanged', {
      orderId: '00000000-0000-4000-8000-0000000000c1',
      applicationId: '00000000-0000-4000-8000-0000000000c2',
      customerId: '00000000-0000-4000-8000-0000000000c3',
      providerId: 'kopia',
      effectiveFrom: '2025-05-01',
      validTo: '2025-12-31',
      careHoursPerMonth: 0,
      serviceHoursPerMonth: 0,
      level: 4,
    });
    await expect(applyOrderEvent(svc.db, event)).rejects.toThrow(/before billing knew/);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('refuses (for a later redelivery) an end of an order billing has not seen placed, recording nothing', async () => {
    const before = await tableCounts(svc.db);
    const event = orderEvent('orderEnded', { orderId: '00000000-0000-4000-8000-0000000000e1', applicationId: '00000000-0000-4000-8000-0000000000e2', customerId: '00000000-0000-4000-8000-0000000000e3', providerId: 'kopia', endDate: '2025-04-30', reason: 'switched' });
    await expect(applyOrderEvent(svc.db, event)).rejects.toThrow(/before billing knew/);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('applies events that waited together in one transaction, in stream order, each once', async () => {
    const orderId = '00000000-0000-4000-8000-0000000000b1';
    const ids = { orderId, applicationId: '00000000-0000-4000-8000-0000000000b2', customerId: '00000000-0000-4000-8000-0000000000b3', providerId: 'kopia' };
    const placed = orderEvent('orderPlaced', { ...ids, decisionId: '00000000-0000-4000-8000-0000000000b4', providerKind: 'private', areaId: 'nursing-home', municipality: 'nacka', validFrom: '2025-03-01', validTo: '2025-12-31', level: 2, careHoursPerMonth: 0, serviceHoursPerMonth: 0, decidingMunicipality: null });
    const changed = orderEvent('orderChanged', { ...ids, effectiveFrom: '2025-06-01', validTo: '2026-05-31', level: 4, careHoursPerMonth: 0, serviceHoursPerMonth: 0 });
    const ended = orderEvent('orderEnded', { ...ids, endDate: '2025-09-30', reason: 'switched' });
    const batch = ordersConsumerHandlers(svc.db).batch!;
    // The placement, its amendment and its end arrive together; the amendment is delivered twice.
    await batch.handler([placed, changed, changed, ended]);
    expect(await row(orderId)).toMatchObject({ level: 4, placed_level: 2, valid_to: '2026-05-31', end_date: '2025-09-30', end_reason: 'switched' });
    expect(await changes(orderId)).toEqual([{ effective_from: '2025-06-01', valid_to: '2026-05-31', level: 4, care_hours_per_month: 0, service_hours_per_month: 0 }]);
    const inbox = await svc.db.selectFrom('inbox').select('event_id').where('event_id', 'in', [placed.eventId, changed.eventId, ended.eventId]).execute();
    expect(inbox).toHaveLength(3);
    // The same batch delivered again changes nothing.
    const before = await tableCounts(svc.db);
    await batch.handler([placed, changed, ended]);
    expect(await tableCounts(svc.db)).toEqual(before);
  });

  it('writes each run of placements in a batch with one INSERT, between the amendments and ends in stream order, an order placed twice once', async () => {
    let ordersInserts = 0;
    const plugin: KyselyPlugin = {
      transformQuery: (args) => {
        if (InsertQueryNode.is(args.node) && args.node.into?.table.identifier.name === 'orders') ordersInserts++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const placement = (level: number) => {
      const ids = { orderId: randomUUID(), applicationId: randomUUID(), customerId: randomUUID(), providerId: 'kopia' };
      return { ids, event: orderEvent('orderPlaced', { ...ids, decisionId: randomUUID(), providerKind: 'private', areaId: 'nursing-home', municipality: 'nacka', validFrom: '2025-03-01', validTo: '2025-12-31', level, careHoursPerMonth: 0, serviceHoursPerMonth: 0, decidingMunicipality: null }) };
    };
    const [p1, p2, p3, p4] = [placement(1), placement(2), placement(3), placement(4)];
    // The same placement published again under another event id, with other terms: the first one placed holds.
    const p3Again = orderEvent('orderPlaced', { ...(p3.event.payload as EventPayload<'orderPlaced'>), level: 6 });
    const end1 = orderEvent('orderEnded', { ...p1.ids, endDate: '2025-06-30', reason: 'switched' });
    const change2 = orderEvent('orderChanged', { ...p2.ids, effectiveFrom: '2025-07-01', validTo: '2026-06-30', level: 5, careHoursPerMonth: 0, serviceHoursPerMonth: 0 });
    const events = [p1.event, p2.event, end1, p3.event, p3Again, change2, p4.event];
    await ordersConsumerHandlers(svc.db.withPlugin(plugin) as typeof svc.db).batch!.handler(events);
    expect(ordersInserts).toBe(3);
    expect(await row(p1.ids.orderId)).toMatchObject({ level: 1, end_date: '2025-06-30', end_reason: 'switched', valid_to: '2025-12-31' });
    expect(await row(p2.ids.orderId)).toMatchObject({ level: 5, placed_level: 2, valid_to: '2026-06-30', end_date: null });
    expect(await row(p3.ids.orderId)).toMatchObject({ level: 3, placed_level: 3, end_date: null });
    expect(await row(p4.ids.orderId)).toMatchObject({ level: 4, placed_level: 4, valid_from: '2025-03-01', valid_to: '2025-12-31', provider_id: 'kopia', area_id: 'nursing-home', deciding_municipality: null });
    const inbox = await svc.db.selectFrom('inbox').select('event_id').where('event_id', 'in', events.map((e) => e.eventId)).execute();
    expect(inbox).toHaveLength(7);
  });

  it('records nothing of a batch in which one event cannot be applied yet, so each can be applied alone', async () => {
    const known = await placeOrder(svc.db, { providerId: 'kopia' });
    const endKnown = orderEvent('orderEnded', { orderId: known.orderId, applicationId: known.applicationId, customerId: known.customerId, providerId: 'kopia', endDate: '2025-04-30', reason: 'switched' });
    const endUnknown = orderEvent('orderEnded', { orderId: '00000000-0000-4000-8000-0000000000d1', applicationId: '00000000-0000-4000-8000-0000000000d2', customerId: '00000000-0000-4000-8000-0000000000d3', providerId: 'kopia', endDate: '2025-04-30', reason: 'switched' });
    const before = await tableCounts(svc.db);
    await expect(ordersConsumerHandlers(svc.db).batch!.handler([endKnown, endUnknown])).rejects.toThrow(/before billing knew/);
    expect(await tableCounts(svc.db)).toEqual(before);
    expect(await row(known.orderId)).toMatchObject({ end_date: null });
  });
});
