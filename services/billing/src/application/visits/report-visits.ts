import { audit, auditRow } from '@kundval/platform';
import { recordVisit, type ReportedVisit } from '../../visits/record-visit.js';
import type { Outcome, UseCaseContext } from '../context.js';
import { orderInScopeLocked } from '../scope.js';
import { toVisit, type VisitView } from './visit-view.js';

// One visit as a provider reports it: the schema the adapter's body is built of.
export { VisitReport } from '../../visits/record-visit.js';

export type ReportVisits = { orderId: string; visits: readonly ReportedVisit[] };

/**
 * The provider reports an order's delivered visits, each by the rules of `recordVisit` (inside the
 * order's validity, not overlapping, not in an approved month); a re-sent visit is returned as it is.
 * The whole report is refused if one visit is (each refusal names `body.visits.<i>`).
 */
export async function reportVisits(ctx: UseCaseContext, input: ReportVisits): Promise<Outcome<{ visits: VisitView[] }>> {
  // Read in scope and locked in one statement (the lock serialises the report against the month's approval).
  const order = await orderInScopeLocked(ctx.db, ctx.principal, input.orderId, 'No such order (it may not have reached billing yet).');
  const change = { action: 'visits.reported', entity: 'order', entityId: order.order_id, after: input.visits, correlationId: ctx.correlationId };
  const visits: VisitView[] = [];
  let audited = false;
  for (const [i, v] of input.visits.entries()) {
    // The report's audit row rides on the last visit's insert (one statement less); a re-sent last visit writes none, so it is written below.
    const last = i === input.visits.length - 1;
    const recorded = await recordVisit(ctx.db, order, v, `body.visits.${i}`, last ? auditRow(ctx.principal, change) : undefined);
    audited = recorded.audited;
    visits.push(toVisit(recorded.row));
  }
  if (!audited) await audit(ctx.db, ctx.principal, change);
  return { result: { visits }, created: true, events: [] };
}
