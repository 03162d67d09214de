import type { CatalogEvent, EventPayload } from '@kundval/contracts';
import { inboxHandlers, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import { copyOrderChanged, copyOrderEnded, copyOrderPlaced, copyOrdersPlaced } from '../application/orders/copy-order.js';

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
 * recorded in the inbox, the placements among them written together (`applyOrderChanges`); when
 * that transaction fails, each is applied alone (ADR 0030).
 */
export function ordersConsumerHandlers(db: BillingDb) {
  return inboxHandlers(db, CONSUMER, applyOrderChange, { applyBatch: applyOrderChanges });
}

/** Applies one order event on its own, once: what the consumer does for an event that arrives alone. */
export async function applyOrderEvent(db: BillingDb, event: CatalogEvent): Promise<void> {
  await ordersConsumerHandlers(db).handler(event);
}

/**
 * What order events change in billing's copy, in stream order, inside the caller's transaction:
 * each run of placements is one INSERT of every order in it (the bulk of the stream: an order is
 * placed once, amended or ended seldom); an amendment or an end is applied after the placements
 * before it are written, as `applyOrderChange` on each event in turn would.
 */
export async function applyOrderChanges(trx: BillingDb, events: CatalogEvent[]): Promise<void> {
  let placed: EventPayload<'orderPlaced'>[] = [];
  for (const event of events) {
    if (event.name === 'orderPlaced') {
      placed.push(event.payload);
      continue;
    }
    if (placed.length > 0) await copyOrdersPlaced(trx, placed);
    placed = [];
    await applyOrderChange(trx, event);
  }
  if (placed.length > 0) await copyOrdersPlaced(trx, placed);
}

/** What one order event changes in billing's copy, inside the caller's transaction (the inbox has recorded its id there). */
export async function applyOrderChange(trx: BillingDb, event: CatalogEvent): Promise<void> {
  if (event.name === 'orderPlaced') await copyOrderPlaced(trx, event.payload);
  else if (event.name === 'orderChanged') await copyOrderChanged(trx, event.payload, event);
  else if (event.name === 'orderEnded') await copyOrderEnded(trx, event.payload);
}
