import type { CatalogEvent } from '@kundval/contracts';
import { markEventProcessed, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import type { BillingDb } from '../app.js';

const CONSUMER = 'billing-orders';

/**
 * Keeps billing's copy of orders: which provider (and provider kind, for the rate) delivers to
 * which customer, at which voucher level, for which validity, and which other municipality (if
 * any) placed the customer here and pays the vouchers back (ADR 0014). Visits, attendance and
 * occupancy can only be reported against a known order, and only while it is in force.
 */
export function startOrdersConsumer(deps: { bus: EventBus; db: BillingDb; logger: Logger }) {
  return startConsumer({
    bus: deps.bus,
    durable: CONSUMER,
    events: ['orderPlaced', 'orderEnded'],
    logger: deps.logger,
    handler: (event) => applyOrderEvent(deps.db, event),
  });
}

/**
 * Applies one order event, once (the inbox records its id in the same transaction). An order that
 * ends before billing has seen it placed throws, so the event is redelivered later (and parked
 * after the consumer's retries) rather than lost.
 */
export async function applyOrderEvent(db: BillingDb, event: CatalogEvent): Promise<void> {
  if (event.name === 'orderPlaced') {
    const o = event.payload;
    await db.transaction().execute(async (trx) => {
      if (!(await markEventProcessed(trx, CONSUMER, event.eventId))) return;
      await trx
        .insertInto('orders')
        .values({
          order_id: o.orderId,
          application_id: o.applicationId,
          customer_id: o.customerId,
          provider_id: o.providerId,
          provider_kind: o.providerKind,
          area_id: o.areaId,
          municipality: o.municipality,
          valid_from: o.validFrom,
          valid_to: o.validTo,
          level: o.level,
          deciding_municipality: o.decidingMunicipality,
        })
        .onConflict((oc) => oc.column('order_id').doNothing())
        .execute();
    });
    return;
  }
  if (event.name === 'orderEnded') {
    const e = event.payload;
    await db.transaction().execute(async (trx) => {
      if (!(await markEventProcessed(trx, CONSUMER, event.eventId))) return;
      // The order's validity ends at endDate: visits, attendance and occupancy after it are refused.
      const updated = await trx.updateTable('orders').set({ end_date: e.endDate, end_reason: e.reason }).where('order_id', '=', e.orderId).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new Error(`Order ${e.orderId} ended before billing knew it was placed; retry later.`);
    });
  }
}
