import { visitsOfMonth } from '../../store/months.js';
import type { QueryContext } from '../context.js';
import { orderInScope } from '../scope.js';
import { toVisit, type VisitView } from './visit-view.js';

/** The visits of an order in a month, in time order, for whoever may see the order. */
export async function listVisits(ctx: QueryContext, input: { orderId: string; month: string }): Promise<VisitView[]> {
  const order = await orderInScope(ctx.db, ctx.principal, input.orderId);
  return (await visitsOfMonth(ctx.db, order.order_id, input.month)).map(toVisit);
}
