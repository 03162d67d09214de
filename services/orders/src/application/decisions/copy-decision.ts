import type { EventPayload } from '@kundval/contracts';
import { audit, type Actor } from '@kundval/platform';
import { insertDecisionChange, insertDecisionCopy, updateDecisionCopy } from '../../store/decisions.js';
import type { OrdersDb } from '../../store/db.js';

/*
 * The orders service's copy of decisions: a customer can only choose, and a provider can only be
 * ordered, against a decision the case handler made; orders carry its hours, level, validity and
 * deciding municipality, amendments of orders carry its changes, and care plans keep within its
 * days a week. Each use case runs in the consumer's transaction, with the event's correlation id.
 */
export type CopyContext = { db: OrdersDb; actor: Actor; correlationId: string | null };

export async function copyDecisionMade(ctx: CopyContext, d: EventPayload<'decisionMade'>): Promise<void> {
  await insertDecisionCopy(ctx.db, {
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
  });
  await audit(ctx.db, ctx.actor, { action: 'decision.copied', entity: 'decision', entityId: d.decisionId, after: d, correlationId: ctx.correlationId });
}

/**
 * The copy holds the decision as it stands, for orders placed from now on. Orders already placed
 * are amended by the journey (POST /orders/:id/changes, ADR 0029 moves it here), which this copy
 * vouches for: the change is also kept in `decision_changes`, so an amendment carrying a change that
 * a later one has since overtaken is still recognised as the decision's. Throws for a decision the
 * copy does not hold yet, so the event is redelivered after it.
 */
export async function copyDecisionChanged(ctx: CopyContext, c: EventPayload<'decisionChanged'>): Promise<void> {
  const terms = { care_hours_per_month: String(c.careHoursPerMonth), service_hours_per_month: String(c.serviceHoursPerMonth), valid_to: c.validTo, level: c.level };
  if (!(await updateDecisionCopy(ctx.db, c.decisionId, terms))) throw new Error(`decisionChanged for decision ${c.decisionId}, which has not arrived yet`);
  await insertDecisionChange(ctx.db, { change_id: c.changeId, decision_id: c.decisionId, effective_from: c.effectiveFrom, ...terms });
  await audit(ctx.db, ctx.actor, { action: 'decision.changed', entity: 'decision', entityId: c.decisionId, after: c, correlationId: ctx.correlationId });
}

/** Ends the copy of a decision; throws for one the copy does not hold yet (redelivered after it). */
export async function copyDecisionEnded(ctx: CopyContext, e: EventPayload<'decisionEnded'>): Promise<void> {
  if (!(await updateDecisionCopy(ctx.db, e.decisionId, { ended_on: e.endDate, end_reason: e.reason }))) throw new Error(`decisionEnded for decision ${e.decisionId}, which has not arrived yet`);
  await audit(ctx.db, ctx.actor, { action: 'decision.ended', entity: 'decision', entityId: e.decisionId, after: e, correlationId: ctx.correlationId });
}
