import { randomUUID } from 'node:crypto';
import type { CatalogEvent, Principal } from '@kundval/contracts';
import { inboxHandlers, startConsumer, type EventBus, type Logger } from '@kundval/platform';
import { enqueueAll, type UseCaseContext } from '../application/context.js';
import { copyDecisionChanged, copyDecisionEnded, copyDecisionMade } from '../application/decisions/copy-decision.js';
import { amendOrdersInForce } from '../application/orders/amend-orders-in-force.js';
import { stockholmDate, systemClock, type Clock } from '../calendar.js';
import type { OrdersDb } from '../store/db.js';

export const DECISIONS_CONSUMER = 'orders-decisions';
/** Who changes the copy and amends the orders, in the audit trail: the consumer, on the decisions service's word. */
const CONSUMER_ACTOR: Principal = { sub: DECISIONS_CONSUMER, role: 'system' };

/**
 * Keeps the orders service's copy of decisions (application/decisions/copy-decision.ts) from the
 * decisions events, and amends orders with a change. Events that wait together are applied in one
 * transaction (ADR 0030); after each commit the relay is kicked (`afterCommit`), since an amendment's
 * `orderChanged` is in the outbox and is published now, not at the relay's next poll.
 */
export function startDecisionsConsumer(deps: { bus: EventBus; db: OrdersDb; logger: Logger; clock?: Clock; afterCommit?: () => void }) {
  const { handler, batch } = decisionsConsumerHandlers(deps.db, deps.clock);
  const afterCommit = deps.afterCommit ?? (() => undefined);
  return startConsumer({
    bus: deps.bus,
    durable: DECISIONS_CONSUMER,
    events: ['decisionMade', 'decisionChanged', 'decisionEnded'],
    logger: deps.logger,
    handler: async (event) => {
      await handler(event);
      afterCommit();
    },
    ...(batch
      ? {
          batch: {
            maxEvents: batch.maxEvents,
            handler: async (events: CatalogEvent[]) => {
              await batch.handler(events);
              afterCommit();
            },
          },
        }
      : {}),
  });
}

/**
 * The consumer's handlers (ADR 0030): the events that wait together are applied in one transaction,
 * in stream order, each id recorded in the inbox and each applied once. When that transaction fails
 * (a change or end of a decision not copied yet, an amendment refused, or a deadlock with another
 * replica's batch that locked the same decisions in another order), `startConsumer` applies its
 * events one transaction each, so the failing event is retried, and parked after its deliveries,
 * alone, while the others are applied.
 */
export function decisionsConsumerHandlers(db: OrdersDb, clock: Clock = systemClock) {
  return inboxHandlers(db, DECISIONS_CONSUMER, (trx, event) => applyDecisionEventIn(trx, event, clock));
}

/** Applies one decisions event on its own, once per event id: what the consumer does for an event that arrives alone. Other events are ignored, recording nothing. */
export async function applyDecisionEvent(db: OrdersDb, event: CatalogEvent, clock: Clock = systemClock): Promise<void> {
  if (event.name !== 'decisionMade' && event.name !== 'decisionChanged' && event.name !== 'decisionEnded') return;
  await decisionsConsumerHandlers(db, clock).handler(event);
}

/**
 * What one decisions event changes, inside the caller's transaction (the inbox has recorded its id
 * there). A change also amends the decision's orders in force and enqueues their `orderChanged` in
 * that transaction (ADR 0029): the copy and the orders never disagree, and a redelivered change
 * amends nothing twice. A change or an end for a decision the copy does not hold yet throws, so the
 * event is redelivered after the decision has arrived (and parked if it never does).
 */
export async function applyDecisionEventIn(trx: OrdersDb, event: CatalogEvent, clock: Clock = systemClock): Promise<void> {
  const copy = { db: trx, actor: CONSUMER_ACTOR, correlationId: event.correlationId };
  if (event.name === 'decisionMade') await copyDecisionMade(copy, event.payload);
  else if (event.name === 'decisionEnded') await copyDecisionEnded(copy, event.payload);
  else if (event.name === 'decisionChanged') {
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
}
