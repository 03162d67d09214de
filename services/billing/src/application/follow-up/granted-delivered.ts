import { grantedDelivered, sumPerProviderAndArea, type GrantedDeliveredRow } from '../../follow-up/granted-delivered.js';
import { loadOrderMonthFacts } from '../../store/follow-up.js';
import type { QueryContext } from '../context.js';
import { providerFilterFor } from '../scope.js';

export type GrantedDeliveredQuery = { month: string; providerId?: string | undefined; areaId?: string | undefined; customerId?: string | undefined };

/**
 * Granted against delivered in a month per customer and order (issue 15; ADR 0036): the rows alone,
 * for a reader that wants no sums (the CSV). A provider asks for its own only: its id is the filter
 * whatever the query said (403 for another's).
 */
export async function grantedDeliveredPerCustomer(ctx: QueryContext, input: GrantedDeliveredQuery): Promise<GrantedDeliveredRow[]> {
  const filter = { providerId: providerFilterFor(ctx.principal, input.providerId), areaId: input.areaId, customerId: input.customerId };
  return (await loadOrderMonthFacts(ctx.db, [input.month], filter)).map(grantedDelivered);
}

/** Granted against delivered in a month: the customers' rows, and the same summed per provider and area. */
export async function grantedAgainstDelivered(ctx: QueryContext, input: GrantedDeliveredQuery) {
  const customers = await grantedDeliveredPerCustomer(ctx, input);
  return { month: input.month, customers, providers: sumPerProviderAndArea(customers) };
}
