import { listOrders as listOrderRows, type OrderView } from '../../store/orders.js';
import type { OrderStatus } from '../../store/schema.js';
import type { QueryContext } from '../context.js';
import { orderScope, providerFilterFor } from '../scope.js';

export type ListOrders = { status?: OrderStatus | undefined; providerId?: string | undefined; decisionId?: string | undefined };

/** Orders matching the filter, oldest first; a provider sees only its own. */
export async function listOrders(ctx: QueryContext, input: ListOrders): Promise<OrderView[]> {
  const providerId = providerFilterFor(ctx.principal, input.providerId);
  return listOrderRows(ctx.db, { providerId, decisionId: input.decisionId, status: input.status }, ctx.today, orderScope(ctx.principal, 'o'));
}
