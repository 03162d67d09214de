import { audit } from '@kundval/platform';
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
  const visits: VisitView[] = [];
  for (const [i, v] of input.visits.entries()) {
    const { row } = await recordVisit(ctx.db, order, v, `body.visits.${i}`);
    visits.push(toVisit(row));
  }
  await audit(ctx.db, ctx.principal, { action: 'visits.reported', entity: 'order', entityId: order.order_id, after: input.visits, correlationId: ctx.correlationId });
  return { result: { visits }, created: true, events: [] };
}
