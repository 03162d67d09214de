import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts, testEngines } from '@kundval/platform/testing';
import { applyOrderEvent } from './orders.consumer.js';
import { endOrder, orderEvent, placeOrder, startFullBilling, type FullBilling } from '../test-support/corrections.js';

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

  it('refuses (for a later redelivery) an end of an order billing has not seen placed, recording nothing', async () => {
    const before = await tableCounts(svc.db);
    const event = orderEvent('orderEnded', { orderId: '00000000-0000-4000-8000-0000000000e1', applicationId: '00000000-0000-4000-8000-0000000000e2', customerId: '00000000-0000-4000-8000-0000000000e3', providerId: 'kopia', endDate: '2025-04-30', reason: 'switched' });
    await expect(applyOrderEvent(svc.db, event)).rejects.toThrow(/before billing knew/);
    expect(await tableCounts(svc.db)).toEqual(before);
  });
});
