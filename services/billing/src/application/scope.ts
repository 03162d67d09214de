import { sql, type ReferenceExpression, type SelectQueryBuilder } from 'kysely';
import { assertCustomerScope, assertProviderScope, forbidden, notFound } from '@kundval/platform';
import type { Principal } from '@kundval/contracts';
import type { BillingDb } from '../store/db.js';
import type { OrderRow } from '../store/rows.js';
import { orderDeliveriesLock } from '../visits/record-visit.js';

/** The columns of a select that say whose a row is; a table that does not know one leaves it out. */
export type ScopeColumns<DB, TB extends keyof DB> = {
  provider?: ReferenceExpression<DB, TB>;
  customer?: ReferenceExpression<DB, TB>;
  municipality?: ReferenceExpression<DB, TB>;
};

/**
 * Scoping in the billing service, in one place, as part of the query: a provider reads only rows
 * of its own provider id, a citizen only rows of their own customer id, and a principal with a
 * `municipality` claim only its municipality's rows (where the table knows the municipality). Both
 * the caller and the person the journey's worker acts for (`onBehalfOf`) narrow it. A provider or
 * citizen whose token does not name itself, or a select with no column to narrow by, reads nothing:
 * the scope fails closed. A row outside the scope is thus simply not found (the unknown id's 404),
 * never a 403 that would confirm it exists.
 */
export function withinScope<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, principal: Principal, columns: ScopeColumns<DB, TB>): SelectQueryBuilder<DB, TB, O> {
  // Kysely cannot relate a generic column to its value type; the columns are checked by ScopeColumns.
  let q = query as unknown as SelectQueryBuilder<Record<string, Record<string, string>>, string, O>;
  const nothing = () => q.where(sql<boolean>`false`);
  for (const p of [principal, principal.onBehalfOf]) {
    if (p?.role === 'provider') q = columns.provider && p.providerId ? q.where(columns.provider as string, '=', p.providerId) : nothing();
    if (p?.role === 'citizen') q = columns.customer && p.customerId ? q.where(columns.customer as string, '=', p.customerId) : nothing();
  }
  if (principal.municipality && columns.municipality) q = q.where(columns.municipality as string, '=', principal.municipality);
  return q as unknown as SelectQueryBuilder<DB, TB, O>;
}

/** The orders the principal may see (billing's copy of orders knows provider, customer and municipality). */
export function ordersInScope(db: BillingDb, principal: Principal) {
  return withinScope(db.selectFrom('orders'), principal, { provider: 'orders.provider_id', customer: 'orders.customer_id', municipality: 'orders.municipality' });
}

/** One order if the principal may see it; else `BILLING.ORDER_NOT_FOUND`, as for an unknown id. */
export async function orderInScope(db: BillingDb, principal: Principal, orderId: string, message = 'No such order.'): Promise<OrderRow> {
  const order = await ordersInScope(db, principal).selectAll().where('order_id', '=', orderId).executeTakeFirst();
  if (!order) throw notFound('BILLING.ORDER_NOT_FOUND', message);
  return order;
}

/**
 * {@link orderInScope} that also takes the order's deliveries lock (`lockOrderDeliveries`) in the
 * same statement, for a use case that reports into the order: one round trip instead of two, and the
 * lock is taken only when the order is found in scope, as when taken after the read.
 */
export async function orderInScopeLocked(db: BillingDb, principal: Principal, orderId: string, message = 'No such order.'): Promise<OrderRow> {
  const row = await ordersInScope(db, principal)
    .selectAll()
    .select(orderDeliveriesLock(sql.ref<string>('orders.order_id')).as('deliveries_locked'))
    .where('order_id', '=', orderId)
    .executeTakeFirst();
  if (!row) throw notFound('BILLING.ORDER_NOT_FOUND', message);
  const { deliveries_locked: _locked, ...order } = row;
  return order;
}

/**
 * A list asked for by its owner's id in the path (`/providers/:providerId/…`,
 * `/customers/:customerId/…`): a provider or citizen naming someone else is refused (403), as the
 * route's own parameter is not a record that could be hidden.
 */
export function assertOwnerNamed(principal: Principal, owner: { providerId?: string; customerId?: string }): void {
  if (owner.providerId !== undefined) assertProviderScope(principal, owner.providerId);
  if (owner.customerId !== undefined) assertCustomerScope(principal, owner.customerId);
}

/**
 * The provider a list is narrowed to: a provider's own (asking for another's is refused, 403; its
 * token must name it, or it would see every provider's), anyone else's choice of filter.
 */
export function providerFilterFor(principal: Principal, requested: string | undefined): string | undefined {
  if (requested !== undefined) assertProviderScope(principal, requested);
  const provider = [principal, principal.onBehalfOf].find((p) => p?.role === 'provider');
  if (provider && !provider.providerId) throw forbidden('A provider token must name its provider.');
  return provider?.providerId ?? requested;
}
