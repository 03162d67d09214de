import { grantedDelivered, sumPerProviderAndArea } from '../../follow-up/granted-delivered.js';
import { loadOrderMonthFacts } from '../../store/follow-up.js';
import type { QueryContext } from '../context.js';
import { providerFilterFor } from '../scope.js';

export type GrantedDeliveredQuery = { month: string; providerId?: string | undefined; areaId?: string | undefined; customerId?: string | undefined };

/**
 * Granted against delivered in a month (issue 15; ADR 0036): per customer and order, and summed per
 * provider and area. A provider asks for its own only: its id is the filter whatever the query said
 * (403 for another's).
 */
export async function grantedAgainstDelivered(ctx: QueryContext, input: GrantedDeliveredQuery) {
  const filter = { providerId: providerFilterFor(ctx.principal, input.providerId), areaId: input.areaId, customerId: input.customerId };
  const customers = (await loadOrderMonthFacts(ctx.db, [input.month], filter)).map(grantedDelivered);
  return { month: input.month, customers, providers: sumPerProviderAndArea(customers) };
}
