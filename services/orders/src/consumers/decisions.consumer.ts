import { randomUUID } from 'node:crypto';
import type { CatalogEvent, Principal } from '@kundval/contracts';
import { markEventProcessed, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import { enqueueAll, type UseCaseContext } from '../application/context.js';
import { copyDecisionChanged, copyDecisionEnded, copyDecisionMade } from '../application/decisions/copy-decision.js';
import { amendOrdersInForce } from '../application/orders/amend-orders-in-force.js';
import { stockholmDate, systemClock, type Clock } from '../calendar.js';
import type { OrdersDb } from '../store/db.js';

export const DECISIONS_CONSUMER = 'orders-decisions';
/** Who changes the copy and amends the orders, in the audit trail: the consumer, on the decisions service's word. */
const CONSUMER_ACTOR: Principal = { sub: DECISIONS_CONSUMER, role: 'system' };

/** Keeps the orders service's copy of decisions (application/decisions/copy-decision.ts) from the decisions events, and amends orders with a change. */
export function startDecisionsConsumer(deps: { bus: EventBus; db: OrdersDb; logger: Logger; clock?: Clock; afterCommit?: () => void }) {
  return startConsumer({
    bus: deps.bus,
    durable: DECISIONS_CONSUMER,
    events: ['decisionMade', 'decisionChanged', 'decisionEnded'],
    logger: deps.logger,
    handler: async (event) => {
      await applyDecisionEvent(deps.db, event, deps.clock);
      // An amendment's orderChanged is in the outbox: the relay publishes it now, not at its next poll.
      deps.afterCommit?.();
    },
  });
}

/**
 * Applies one decisions event to the copy, once per event id (inbox, same transaction). A change
 * also amends the decision's orders in force and enqueues their `orderChanged` in that transaction
 * (ADR 0029): the copy and the orders never disagree, and a redelivered change amends nothing twice.
 * A change or an end for a decision the copy does not hold yet throws, so the event is redelivered
 * after the decision has arrived (and parked if it never does).
 */
export async function applyDecisionEvent(db: OrdersDb, event: CatalogEvent, clock: Clock = systemClock): Promise<void> {
  if (event.name !== 'decisionMade' && event.name !== 'decisionChanged' && event.name !== 'decisionEnded') return;
  await db.transaction().execute(async (trx) => {
    if (!(await markEventProcessed(trx, DECISIONS_CONSUMER, event.eventId))) return;
    const copy = { db: trx, actor: CONSUMER_ACTOR, correlationId: event.correlationId };
    if (event.name === 'decisionMade') await copyDecisionMade(copy, event.payload);
    else if (event.name === 'decisionEnded') await copyDecisionEnded(copy, event.payload);
    else {
      await copyDecisionChanged(copy, event.payload);
      const now = clock();
      const ctx: UseCaseContext = {
        db: trx,
        today: stockholmDate(now),
        now,
        actor: CONSUMER_ACTOR,
        principal: CONSUMER_ACTOR,
        // The change's own correlation id, or the event's id: either leads from the amendment back to the change.
        correlationId: event.correlationId ?? event.eventId,
        newId: randomUUID,
      };
      const amended = await amendOrdersInForce(ctx, event.payload, { event: 'decisionChanged', eventId: event.eventId, decisionChangeId: event.payload.changeId });
      await enqueueAll(ctx, amended.events);
    }
  });
}
