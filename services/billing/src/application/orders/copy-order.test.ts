import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@kundval/platform/testing';
import type { EventPayload } from '@kundval/contracts';
import { openBillingStore } from '../../test-support/use-cases.js';
import type { BillingDb } from '../../store/db.js';
import { copyOrderChanged, copyOrderEnded, copyOrderPlaced } from './copy-order.js';

function placed(): EventPayload<'orderPlaced'> {
  return {
    orderId: randomUUID(),
    applicationId: randomUUID(),
    decisionId: randomUUID(),
    customerId: randomUUID(),
    providerId: 'uc-copy-omsorg',
    providerKind: 'private',
    areaId: 'home-care',
    municipality: 'nacka',
    careHoursPerMonth: 10,
    serviceHoursPerMonth: 2,
    validFrom: '2025-01-01',
    validTo: '2025-12-31',
    level: null,
    decidingMunicipality: null,
  };
}

/** Billing's copy of orders without a consumer in front: placed once, amended by the amendment orders made last, ended. */
describe.each(testEngines())('order copy use cases on %s', (engine) => {
  let store: { db: BillingDb; close: () => Promise<void> };
  beforeAll(async () => {
    store = await openBillingStore(engine, 'billing_order_copy_use_cases');
  });
  afterAll(() => store?.close());

  const copyOf = (orderId: string) =>
    store.db.selectFrom('orders').select(['valid_to', 'care_hours_per_month', 'service_hours_per_month', 'end_date', 'end_reason']).where('order_id', '=', orderId).executeTakeFirstOrThrow();
  const change = (o: EventPayload<'orderPlaced'>, effectiveFrom: string, careHoursPerMonth: number): EventPayload<'orderChanged'> => ({
    orderId: o.orderId,
    applicationId: o.applicationId,
    customerId: o.customerId,
    providerId: o.providerId,
    effectiveFrom,
    validTo: '2026-06-30',
    level: null,
    careHoursPerMonth,
    serviceHoursPerMonth: 2,
  });

  it('copies a placed order once, however often the event comes', async () => {
    const o = placed();
    await copyOrderPlaced(store.db, o);
    await copyOrderPlaced(store.db, { ...o, careHoursPerMonth: 99 });
    expect(await copyOf(o.orderId)).toEqual({ valid_to: '2025-12-31', care_hours_per_month: 10, service_hours_per_month: 2, end_date: null, end_reason: null });
  });

  it("keeps each amendment and carries the terms of the one orders made last, whichever arrives last", async () => {
    const o = placed();
    await copyOrderPlaced(store.db, o);
    await copyOrderChanged(store.db, change(o, '2025-04-01', 12), { eventId: randomUUID(), occurredAt: '2025-03-20T10:00:00Z' });
    // The same day amended again, made earlier but arriving later: it does not hold.
    await copyOrderChanged(store.db, change(o, '2025-04-01', 8), { eventId: randomUUID(), occurredAt: '2025-03-19T10:00:00Z' });
    await copyOrderChanged(store.db, change(o, '2025-06-01', 14), { eventId: randomUUID(), occurredAt: '2025-05-20T10:00:00Z' });
    expect(await copyOf(o.orderId)).toMatchObject({ valid_to: '2026-06-30', care_hours_per_month: 14 });
    const kept = await store.db.selectFrom('order_changes').select(['effective_from', 'care_hours_per_month']).where('order_id', '=', o.orderId).orderBy('effective_from').execute();
    expect(kept).toEqual([
      { effective_from: '2025-04-01', care_hours_per_month: 12 },
      { effective_from: '2025-06-01', care_hours_per_month: 14 },
    ]);
  });

  it('ends an order early, and throws for an order billing has not seen placed, so the event comes again', async () => {
    const o = placed();
    await copyOrderPlaced(store.db, o);
    await copyOrderEnded(store.db, { orderId: o.orderId, applicationId: o.applicationId, customerId: o.customerId, providerId: o.providerId, endDate: '2025-08-15', reason: 'switched' });
    expect(await copyOf(o.orderId)).toMatchObject({ end_date: '2025-08-15', end_reason: 'switched' });
    const unknown = placed();
    await expect(copyOrderChanged(store.db, change(unknown, '2025-04-01', 12), { eventId: randomUUID(), occurredAt: '2025-03-20T10:00:00Z' })).rejects.toThrow(/before billing knew it was placed/);
    await expect(copyOrderEnded(store.db, { orderId: unknown.orderId, applicationId: unknown.applicationId, customerId: unknown.customerId, providerId: unknown.providerId, endDate: '2025-08-15', reason: 'switched' })).rejects.toThrow(
      /before billing knew it was placed/,
    );
  });
});
