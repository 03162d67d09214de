import { markEventProcessed, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import type { OrdersDb } from '../app.js';

/**
 * Keeps the orders service's copy of decisions: a customer can only choose, and a provider can only
 * be ordered, against a decision the case handler made. Applied once per event id (inbox).
 */
export function startDecisionsConsumer(deps: { bus: EventBus; db: OrdersDb; logger: Logger }) {
  const consumer = 'orders-decisions';
  return startConsumer({
    bus: deps.bus,
    durable: consumer,
    events: ['decisionMade'],
    logger: deps.logger,
    handler: async (event) => {
      if (event.name !== 'decisionMade') return;
      const d = event.payload;
      await deps.db.transaction().execute(async (trx) => {
        if (!(await markEventProcessed(trx, consumer, event.eventId))) return;
        await trx
          .insertInto('decisions')
          .values({
            decision_id: d.decisionId,
            application_id: d.applicationId,
            customer_id: d.customerId,
            area_id: d.areaId,
            municipality: d.municipality,
            outcome: d.outcome,
            care_hours_per_month: String(d.careHoursPerMonth),
            service_hours_per_month: String(d.serviceHoursPerMonth),
            valid_from: d.validFrom,
            valid_to: d.validTo,
          })
          .onConflict((oc) => oc.column('decision_id').doNothing())
          .execute();
      });
    },
  });
}
