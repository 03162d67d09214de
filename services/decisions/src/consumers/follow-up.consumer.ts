import type { CatalogEvent } from '@kundval/contracts';
import { markEventProcessed, startConsumer, type Actor, type EventBus, type Logger } from '@kundval/platform';
import { taskForDeliveryAlert, tasksForSurvey } from '../application/tasks/follow-up-tasks.js';
import type { DecisionsDb } from '../store/db.js';

export const FOLLOW_UP_CONSUMER = 'decisions-follow-up';
/** Who raises the task, in the audit trail and as its `createdBy`: the consumer, on the other service's word. */
const CONSUMER_ACTOR: Actor = { sub: FOLLOW_UP_CONSUMER, role: 'system' };

/** Turns billing's delivery alerts and orders' published surveys into case handlers' tasks (ADR 0040). */
export function startFollowUpConsumer(deps: { bus: EventBus; db: DecisionsDb; logger: Logger }) {
  return startConsumer({
    bus: deps.bus,
    durable: FOLLOW_UP_CONSUMER,
    events: ['followUpAlertRaised', 'surveyPublished'],
    logger: deps.logger,
    handler: (event) => applyFollowUpEvent(deps.db, event),
  });
}

/** Applies one event once per event id (inbox, same transaction as the tasks). */
export async function applyFollowUpEvent(db: DecisionsDb, event: CatalogEvent): Promise<void> {
  if (event.name !== 'followUpAlertRaised' && event.name !== 'surveyPublished') return;
  await db.transaction().execute(async (trx) => {
    if (!(await markEventProcessed(trx, FOLLOW_UP_CONSUMER, event.eventId))) return;
    const ctx = { db: trx, actor: CONSUMER_ACTOR, correlationId: event.correlationId };
    if (event.name === 'followUpAlertRaised') await taskForDeliveryAlert(ctx, event.payload);
    else await tasksForSurvey(ctx, event.payload);
  });
}
