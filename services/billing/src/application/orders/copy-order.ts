import type { EventPayload } from '@kundval/contracts';
import type { BillingDb } from '../../store/db.js';
import { endOrderCopy, findOrderChange, insertOrderChange, insertOrderCopies, insertOrderCopy, latestOrderTerms, lockOrder, replaceOrderChange, setOrderTerms } from '../../store/orders.js';

/*
 * Billing's copy of orders: which provider (and provider kind, for the rate) delivers to which
 * customer, at which voucher level, for which validity, and which other municipality (if any)
 * placed the customer here (ADR 0014). Each use case runs in the consumer's transaction, in which
 * the inbox has recorded the event's id. An order amended or ended before billing has seen it
 * placed throws, so the event is redelivered later (and parked after the consumer's retries)
 * rather than lost.
 */

/** An order placed: its copy, once (the same event again changes nothing). */
export async function copyOrderPlaced(db: BillingDb, o: EventPayload<'orderPlaced'>): Promise<void> {
  await insertOrderCopy(db, orderCopy(o));
}

/** Orders placed, in one statement: what `copyOrderPlaced` on each in turn leaves, each order once. */
export async function copyOrdersPlaced(db: BillingDb, placed: EventPayload<'orderPlaced'>[]): Promise<void> {
  await insertOrderCopies(db, placed.map(orderCopy));
}

function orderCopy(o: EventPayload<'orderPlaced'>) {
  return {
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
  };
}

/**
 * An order amended from a day (a changed or renewed decision): the amendment is kept, so that days
 * are paid by the terms in force on each, and the copy carries the terms of the amendment orders
 * made last. `event` names the event and when orders made the amendment.
 */
export async function copyOrderChanged(db: BillingDb, c: EventPayload<'orderChanged'>, event: { eventId: string; occurredAt: string }): Promise<void> {
  // The row lock serialises amendments of one order, so the copy's terms are derived from all of them.
  if (!(await lockOrder(db, c.orderId))) throw new Error(`Order ${c.orderId} was amended before billing knew it was placed; retry later.`);
  const terms = { valid_to: c.validTo, level: c.level, care_hours_per_month: c.careHoursPerMonth, service_hours_per_month: c.serviceHoursPerMonth };
  const occurredAt = new Date(event.occurredAt);
  const existing = await findOrderChange(db, c.orderId, c.effectiveFrom);
  if (!existing) {
    await insertOrderChange(db, { order_id: c.orderId, effective_from: c.effectiveFrom, ...terms, event_id: event.eventId, occurred_at: occurredAt });
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
    await replaceOrderChange(db, c.orderId, c.effectiveFrom, { ...terms, event_id: event.eventId, occurred_at: occurredAt });
  }
  // The copy carries the terms of the amendment orders made last: it replaced any from a later day.
  // end_date is left alone: an order ended early stays ended, whatever its decision's last day becomes.
  await setOrderTerms(db, c.orderId, await latestOrderTerms(db, c.orderId));
}

/** An order ended early: its validity ends at `endDate`, so visits, attendance and occupancy after it are refused. */
export async function copyOrderEnded(db: BillingDb, e: EventPayload<'orderEnded'>): Promise<void> {
  if (!(await endOrderCopy(db, e.orderId, e.endDate, e.reason))) throw new Error(`Order ${e.orderId} ended before billing knew it was placed; retry later.`);
}
