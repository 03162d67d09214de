import type { Insertable } from 'kysely';
import type { BillingDb } from './db.js';
import type { BillingTables } from './schema.js';

/** An order's terms as an amendment sets them. */
export type OrderTerms = { valid_to: string; level: number | null; care_hours_per_month: number; service_hours_per_month: number };

/** Inserts billing's copy of an order unless it is there already (the same event again). */
export async function insertOrderCopy(db: BillingDb, order: Insertable<BillingTables['orders']>): Promise<void> {
  await db.insertInto('orders').values(order).onConflict((oc) => oc.column('order_id').doNothing()).execute();
}

/** Inserts billing's copies of several orders with one statement, skipping those it has already (an order placed twice in the list is inserted once). */
export async function insertOrderCopies(db: BillingDb, orders: Insertable<BillingTables['orders']>[]): Promise<void> {
  if (orders.length === 0) return;
  await db.insertInto('orders').values(orders).onConflict((oc) => oc.column('order_id').doNothing()).execute();
}

/** Locks the order's row (amendments of one order are serialised on it); undefined for an order billing does not know. */
export function lockOrder(db: BillingDb, orderId: string) {
  return db.selectFrom('orders').select('order_id').where('order_id', '=', orderId).forUpdate().executeTakeFirst();
}

/** The order's amendment effective from the day, if one is kept. */
export function findOrderChange(db: BillingDb, orderId: string, effectiveFrom: string) {
  return db.selectFrom('order_changes').selectAll().where('order_id', '=', orderId).where('effective_from', '=', effectiveFrom).executeTakeFirst();
}

export async function insertOrderChange(db: BillingDb, change: { order_id: string; effective_from: string; event_id: string; occurred_at: Date } & OrderTerms): Promise<void> {
  await db.insertInto('order_changes').values(change).execute();
}

export async function replaceOrderChange(db: BillingDb, orderId: string, effectiveFrom: string, change: { event_id: string; occurred_at: Date } & OrderTerms): Promise<void> {
  await db.updateTable('order_changes').set(change).where('order_id', '=', orderId).where('effective_from', '=', effectiveFrom).execute();
}

/** The terms of the amendment orders made last (by when it was made, then by its day). */
export function latestOrderTerms(db: BillingDb, orderId: string): Promise<OrderTerms> {
  return db
    .selectFrom('order_changes')
    .select(['valid_to', 'level', 'care_hours_per_month', 'service_hours_per_month'])
    .where('order_id', '=', orderId)
    .orderBy('occurred_at', 'desc')
    .orderBy('effective_from', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

export async function setOrderTerms(db: BillingDb, orderId: string, terms: OrderTerms): Promise<void> {
  await db.updateTable('orders').set(terms).where('order_id', '=', orderId).execute();
}

/** Ends the order on the day, for the reason; false when billing does not know the order. */
export async function endOrderCopy(db: BillingDb, orderId: string, endDate: string, reason: string): Promise<boolean> {
  const updated = await db.updateTable('orders').set({ end_date: endDate, end_reason: reason }).where('order_id', '=', orderId).executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

/** Whether billing knows any order of the provider. */
export async function knowsProvider(db: BillingDb, providerId: string): Promise<boolean> {
  return (await db.selectFrom('orders').select('order_id').where('provider_id', '=', providerId).limit(1).executeTakeFirst()) !== undefined;
}
