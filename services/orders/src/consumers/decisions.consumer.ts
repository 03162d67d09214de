import type { CatalogEvent } from '@kundval/contracts';
import { audit, markEventProcessed, startConsumer, type Actor, type EventBus, type Logger } from '@kundval/platform';
import type { OrdersDb } from '../store/db.js';

export const DECISIONS_CONSUMER = 'orders-decisions';
/** Who changes the copy, in the audit trail: the consumer, on the decisions service's word. */
const CONSUMER_ACTOR: Actor = { sub: DECISIONS_CONSUMER, role: 'system' };

/**
 * Keeps the orders service's copy of decisions: a customer can only choose, and a provider can only
 * be ordered, against a decision the case handler made; orders carry its hours, level, validity and
 * deciding municipality, amendments of orders carry its changes, and care plans keep within its
 * days a week.
 */
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
    if (event.name === 'decisionMade') {
      const d = event.payload;
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
          level: d.level,
          // Events published before the catalog had these fields arrive without them: null, like the schema's default.
          deciding_municipality: d.decidingMunicipality ?? null,
          days_per_week: d.daysPerWeek ?? null,
        })
        .onConflict((oc) => oc.column('decision_id').doNothing())
        .execute();
      await audit(trx, CONSUMER_ACTOR, { action: 'decision.copied', entity: 'decision', entityId: d.decisionId, after: d, correlationId: event.correlationId });
      return;
    }
    if (event.name === 'decisionChanged') {
      // The copy holds the decision as it stands, for orders placed from now on. Orders already
      // placed are amended by the journey (POST /orders/:id/changes), which this copy vouches for:
      // the change is also kept in `decision_changes`, so an amendment carrying a change that a
      // later one has since overtaken is still recognised as the decision's.
      const c = event.payload;
      const terms = { care_hours_per_month: String(c.careHoursPerMonth), service_hours_per_month: String(c.serviceHoursPerMonth), valid_to: c.validTo, level: c.level };
      const updated = await trx.updateTable('decisions').set(terms).where('decision_id', '=', c.decisionId).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new Error(`decisionChanged for decision ${c.decisionId}, which has not arrived yet`);
      await trx
        .insertInto('decision_changes')
        .values({ change_id: c.changeId, decision_id: c.decisionId, effective_from: c.effectiveFrom, ...terms })
        .onConflict((oc) => oc.column('change_id').doNothing())
        .execute();
      await audit(trx, CONSUMER_ACTOR, { action: 'decision.changed', entity: 'decision', entityId: c.decisionId, after: c, correlationId: event.correlationId });
      return;
    }
    const e = event.payload;
    const updated = await trx.updateTable('decisions').set({ ended_on: e.endDate, end_reason: e.reason }).where('decision_id', '=', e.decisionId).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new Error(`decisionEnded for decision ${e.decisionId}, which has not arrived yet`);
    await audit(trx, CONSUMER_ACTOR, { action: 'decision.ended', entity: 'decision', entityId: e.decisionId, after: e, correlationId: event.correlationId });
  });
}
