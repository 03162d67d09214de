import type { CatalogEvent } from '@kundval/contracts';
import { markEventProcessed, startConsumer, type Actor, type EventBus, type Logger } from '@kundval/platform';
import { copyDecisionChanged, copyDecisionEnded, copyDecisionMade } from '../application/decisions/copy-decision.js';
import type { OrdersDb } from '../store/db.js';

export const DECISIONS_CONSUMER = 'orders-decisions';
/** Who changes the copy, in the audit trail: the consumer, on the decisions service's word. */
const CONSUMER_ACTOR: Actor = { sub: DECISIONS_CONSUMER, role: 'system' };

/** Keeps the orders service's copy of decisions (application/decisions/copy-decision.ts) from the decisions events. */
export function startDecisionsConsumer(deps: { bus: EventBus; db: OrdersDb; logger: Logger }) {
  return startConsumer({
    bus: deps.bus,
    durable: DECISIONS_CONSUMER,
    events: ['decisionMade', 'decisionChanged', 'decisionEnded'],
    logger: deps.logger,
    handler: (event) => applyDecisionEvent(deps.db, event),
  });
}

/**
 * Applies one decisions event to the copy, once per event id (inbox, same transaction). A change
 * or an end for a decision the copy does not hold yet throws, so the event is redelivered after
 * the decision has arrived (and parked if it never does).
 */
export async function applyDecisionEvent(db: OrdersDb, event: CatalogEvent): Promise<void> {
  if (event.name !== 'decisionMade' && event.name !== 'decisionChanged' && event.name !== 'decisionEnded') return;
  await db.transaction().execute(async (trx) => {
    if (!(await markEventProcessed(trx, DECISIONS_CONSUMER, event.eventId))) return;
    const ctx = { db: trx, actor: CONSUMER_ACTOR, correlationId: event.correlationId };
    if (event.name === 'decisionMade') await copyDecisionMade(ctx, event.payload);
    else if (event.name === 'decisionChanged') await copyDecisionChanged(ctx, event.payload);
    else await copyDecisionEnded(ctx, event.payload);
  });
}
