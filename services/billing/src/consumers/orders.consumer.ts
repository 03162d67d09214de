import { markEventProcessed, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import type { BillingDb } from '../app.js';

/**
 * Keeps billing's copy of orders: which provider (and provider kind, for the rate) delivers to
 * which customer, and for which validity. Visits can only be reported against a known order.
 */
export function startOrdersConsumer(deps: { bus: EventBus; db: BillingDb; logger: Logger }) {
  const consumer = 'billing-orders';
  return startConsumer({
    bus: deps.bus,
    durable: consumer,
    events: ['orderPlaced'],
    logger: deps.logger,
    handler: async (event) => {
      if (event.name !== 'orderPlaced') return;
      const o = event.payload;
      await deps.db.transaction().execute(async (trx) => {
        if (!(await markEventProcessed(trx, consumer, event.eventId))) return;
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
          })
          .onConflict((oc) => oc.column('order_id').doNothing())
          .execute();
      });
    },
  });
}
