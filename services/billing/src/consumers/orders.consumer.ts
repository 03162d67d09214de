import type { Transaction } from 'kysely';
import type { CatalogEvent } from '@kundval/contracts';
import { inboxHandlers, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import type { MessagingTables } from '@kundval/platform';
import type { BillingTables } from '../store/schema.js';
import type { BillingDb } from '../store/db.js';

const CONSUMER = 'billing-orders';

/**
 * Keeps billing's copy of orders: which provider (and provider kind, for the rate) delivers to
 * which customer, at which voucher level, for which validity, and which other municipality (if
 * any) placed the customer here and pays the vouchers back (ADR 0014). Visits, attendance and
 * occupancy can only be reported against a known order, and only while it is in force. A changed or
 * renewed decision amends the order (`orderChanged`): its amendments are kept, so that days are paid
 * at the level in force on each, and its last day moves.
 */
export function startOrdersConsumer(deps: { bus: EventBus; db: BillingDb; logger: Logger }) {
  return startConsumer({
    bus: deps.bus,
    durable: CONSUMER,
    events: ['orderPlaced', 'orderChanged', 'orderEnded'],
    logger: deps.logger,
    ...ordersConsumerHandlers(deps.db),
  });
}

/**
 * The consumer's handlers: events that wait together are applied in one transaction, each id still
 * recorded in the inbox; when that transaction fails, each is applied alone (ADR 0030).
 */
export function ordersConsumerHandlers(db: BillingDb) {
  return inboxHandlers(db, CONSUMER, applyOrderChange);
}

/** Applies one order event on its own, once: what the consumer does for an event that arrives alone. */
export async function applyOrderEvent(db: BillingDb, event: CatalogEvent): Promise<void> {
  await ordersConsumerHandlers(db).handler(event);
}

/**
 * What one order event changes in billing's copy, inside the caller's transaction (the inbox has
 * recorded its id there). An order that is amended or ends before billing has seen it placed throws,
 * so the event is redelivered later (and parked after the consumer's retries) rather than lost.
 */
export async function applyOrderChange(trx: Transaction<BillingTables & MessagingTables>, event: CatalogEvent): Promise<void> {
  if (event.name === 'orderPlaced') {
    const o = event.payload;
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
        placed_level: o.level,
        care_hours_per_month: o.careHoursPerMonth,
        service_hours_per_month: o.serviceHoursPerMonth,
        deciding_municipality: o.decidingMunicipality,
      })
      .onConflict((oc) => oc.column('order_id').doNothing())
      .execute();
    return;
  }
  if (event.name === 'orderChanged') {
    const c = event.payload;
    // The row lock serialises amendments of one order, so the copy's terms are derived from all of them.
    const order = await trx.selectFrom('orders').select('order_id').where('order_id', '=', c.orderId).forUpdate().executeTakeFirst();
    if (!order) throw new Error(`Order ${c.orderId} was amended before billing knew it was placed; retry later.`);
    const terms = { valid_to: c.validTo, level: c.level, care_hours_per_month: c.careHoursPerMonth, service_hours_per_month: c.serviceHoursPerMonth };
    const occurredAt = new Date(event.occurredAt);
    const existing = await trx.selectFrom('order_changes').selectAll().where('order_id', '=', c.orderId).where('effective_from', '=', c.effectiveFrom).executeTakeFirst();
    if (!existing) {
      await trx
        .insertInto('order_changes')
        .values({ order_id: c.orderId, effective_from: c.effectiveFrom, ...terms, event_id: event.eventId, occurred_at: occurredAt })
        .execute();
    } else {
      const same =
        existing.valid_to === terms.valid_to &&
        existing.level === terms.level &&
        existing.care_hours_per_month === terms.care_hours_per_month &&
        existing.service_hours_per_month === terms.service_hours_per_month;
      // The same amendment published again (another event id, the same terms) is not a new one.
      if (same) return;
      // Another amendment from the same day: the one orders made last holds, whichever arrives last.
      if (occurredAt.getTime() < existing.occurred_at.getTime()) return;
      await trx
        .updateTable('order_changes')
        .set({ ...terms, event_id: event.eventId, occurred_at: occurredAt })
        .where('order_id', '=', c.orderId)
        .where('effective_from', '=', c.effectiveFrom)
        .execute();
    }
    // The copy carries the terms of the amendment orders made last: it replaced any from a later day.
    const latest = await trx
      .selectFrom('order_changes')
      .select(['valid_to', 'level', 'care_hours_per_month', 'service_hours_per_month'])
      .where('order_id', '=', c.orderId)
      .orderBy('occurred_at', 'desc')
      .orderBy('effective_from', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    // end_date is left alone: an order ended early stays ended, whatever its decision's last day becomes.
    await trx.updateTable('orders').set(latest).where('order_id', '=', c.orderId).execute();
    return;
  }
  if (event.name === 'orderEnded') {
    const e = event.payload;
    // The order's validity ends at endDate: visits, attendance and occupancy after it are refused.
    const updated = await trx.updateTable('orders').set({ end_date: e.endDate, end_reason: e.reason }).where('order_id', '=', e.orderId).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new Error(`Order ${e.orderId} ended before billing knew it was placed; retry later.`);
  }
}
