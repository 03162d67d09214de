import { assertCustomerScope, assertProviderScope, forbidden } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';

/**
 * Scoping in the orders service, in one place: a provider sees only its own orders and customers,
 * a citizen only their own. Both hold for the caller and for the person the journey's worker acts
 * for (`onBehalfOf`). Every use case that reads or changes one order, choice, offer or queue entry
 * asks here.
 */
export function assertSees(principal: Principal, owner: { providerId?: string; customerId?: string }): void {
  if (owner.providerId !== undefined) assertProviderScope(principal, owner.providerId);
  if (owner.customerId !== undefined) assertCustomerScope(principal, owner.customerId);
}

/** {@link assertSees} for an order row. */
export function assertSeesOrder(principal: Principal, order: { provider_id: string; customer_id: string }): void {
  assertSees(principal, { providerId: order.provider_id, customerId: order.customer_id });
}

/**
 * The provider a list is narrowed to: a provider's own (its token must name it, or it would see
 * every provider's), anyone else's choice of filter.
 */
export function providerFilterFor(principal: Principal, requested: string | undefined): string | undefined {
  if (principal.role !== 'provider') return requested;
  if (!principal.providerId) throw forbidden('A provider token must name its provider.');
  return principal.providerId;
}
