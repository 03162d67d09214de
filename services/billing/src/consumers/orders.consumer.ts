import type { CatalogEvent } from '@kundval/contracts';
import { inboxHandlers, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import type { BillingDb } from '../store/db.js';
import { copyOrderChanged, copyOrderEnded, copyOrderPlaced } from '../application/orders/copy-order.js';

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

/** What one order event changes in billing's copy, inside the caller's transaction (the inbox has recorded its id there). */
export async function applyOrderChange(trx: BillingDb, event: CatalogEvent): Promise<void> {
  if (event.name === 'orderPlaced') await copyOrderPlaced(trx, event.payload);
  else if (event.name === 'orderChanged') await copyOrderChanged(trx, event.payload, event);
  else if (event.name === 'orderEnded') await copyOrderEnded(trx, event.payload);
}
