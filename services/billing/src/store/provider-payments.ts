import type { Insertable } from 'kysely';
import type { BillingDb } from './db.js';
import type { BillingTables } from './schema.js';

/** The order's payment of the month on the basis, if made. */
export function findPaymentRow(db: BillingDb, orderId: string, month: string, basis: string) {
  return db.selectFrom('provider_payments').selectAll().where('order_id', '=', orderId).where('month', '=', month).where('basis', '=', basis).executeTakeFirst();
}

/** A provider's payments (and credits), of one month or all, in month and creation order. */
export function paymentsOfProvider(db: BillingDb, providerId: string, month?: string | undefined) {
  let q = db.selectFrom('provider_payments').selectAll().where('provider_id', '=', providerId);
  if (month) q = q.where('month', '=', month);
  return q.orderBy('month').orderBy('created_at').execute();
}

/** What the provider's payments of the month add up to, öre. */
export async function paidToProvider(db: BillingDb, providerId: string, month: string): Promise<number> {
  const row = await db
    .selectFrom('provider_payments')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount_ore'), eb.lit(0)).as('ore'))
    .where('provider_id', '=', providerId)
    .where('month', '=', month)
    .executeTakeFirstOrThrow();
  return Number(row.ore);
}

export async function insertProviderPayment(db: BillingDb, payment: Insertable<BillingTables['provider_payments']>): Promise<void> {
  await db.insertInto('provider_payments').values(payment).execute();
}

/** Whether billing holds the order's amendment effective from the day. */
export async function holdsOrderChange(db: BillingDb, orderId: string, effectiveFrom: string): Promise<boolean> {
  return (await db.selectFrom('order_changes').select('effective_from').where('order_id', '=', orderId).where('effective_from', '=', effectiveFrom).executeTakeFirst()) !== undefined;
}

/** Whether the order's resident has moved in. */
export async function hasMovedIn(db: BillingDb, orderId: string): Promise<boolean> {
  return (await db.selectFrom('occupancy_periods').select('from_date').where('order_id', '=', orderId).where('kind', '=', 'moved-in').executeTakeFirst()) !== undefined;
}

/** Whether the customer has approved the order's month (or closed it as nothing delivered). */
export async function isMonthApproved(db: BillingDb, orderId: string, month: string): Promise<boolean> {
  return (await db.selectFrom('month_approvals').select('month').where('order_id', '=', orderId).where('month', '=', month).executeTakeFirst()) !== undefined;
}

/** Whether a case handler has resolved the disputes of the order's month. */
export async function areDisputesResolved(db: BillingDb, orderId: string, month: string): Promise<boolean> {
  return (await db.selectFrom('dispute_resolutions').select('month').where('order_id', '=', orderId).where('month', '=', month).executeTakeFirst()) !== undefined;
}
