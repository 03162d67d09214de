import type { Insertable } from 'kysely';
import type { BillingDb } from './db.js';
import type { BillingTables } from './schema.js';

/** A customer's fee invoices, by month and number. */
export function invoicesOfCustomer(db: BillingDb, customerId: string) {
  return db.selectFrom('fee_invoices').selectAll().where('customer_id', '=', customerId).orderBy('month').orderBy('invoice_number').execute();
}

/** A page of the month's fee invoices, by service month or by the period charged in, in invoice-number order after `after`. */
export function invoicesOfMonth(db: BillingDb, q: { month: string; by: 'service' | 'period'; after?: number | undefined; limit: number }) {
  let query = db.selectFrom('fee_invoices').selectAll().where(q.by === 'service' ? 'month' : 'period_month', '=', q.month);
  if (q.after !== undefined) query = query.where('invoice_number', '>', q.after);
  return query.orderBy('invoice_number').limit(q.limit).execute();
}

/** The customer's invoice of the month on the basis, if made. */
export function findInvoiceRow(db: BillingDb, customerId: string, month: string, basis: string) {
  return db.selectFrom('fee_invoices').selectAll().where('customer_id', '=', customerId).where('month', '=', month).where('basis', '=', basis).executeTakeFirst();
}

/** What the customer's invoices of the month have charged so far, öre. */
export async function chargedInMonth(db: BillingDb, customerId: string, month: string): Promise<number> {
  const row = await db
    .selectFrom('fee_invoices')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('fee_ore'), eb.lit(0)).as('charged'))
    .where('customer_id', '=', customerId)
    .where('month', '=', month)
    .executeTakeFirstOrThrow();
  return Number(row.charged);
}

/** What the customer's latest invoice of the month charged by: its fee room, tariff and deliveries. */
export function latestChargeOfMonth(db: BillingDb, customerId: string, month: string) {
  return db
    .selectFrom('fee_invoices')
    .select(['fee_room_ore', 'tariff_ore', 'approved_minutes', 'attendance_days'])
    .where('customer_id', '=', customerId)
    .where('month', '=', month)
    .orderBy('invoice_number', 'desc')
    .executeTakeFirst();
}

/** Inserts a fee invoice; the number the database hands out. */
export async function insertFeeInvoice(db: BillingDb, invoice: Insertable<BillingTables['fee_invoices']>): Promise<number> {
  const row = await db.insertInto('fee_invoices').values(invoice).returning('invoice_number').executeTakeFirstOrThrow();
  return row.invoice_number;
}

export async function setInvoiceOcr(db: BillingDb, invoiceId: string, ocrReference: string): Promise<void> {
  await db.updateTable('fee_invoices').set({ ocr_reference: ocrReference }).where('invoice_id', '=', invoiceId).execute();
}

/** The customer's orders whose month is approved (or closed as nothing delivered). */
export function customerApprovalsOfMonth(db: BillingDb, customerId: string, month: string) {
  return db.selectFrom('month_approvals as m').innerJoin('orders as o', 'o.order_id', 'm.order_id').select('m.order_id').where('o.customer_id', '=', customerId).where('m.month', '=', month).execute();
}

/** The customer's fee basis (avgiftsunderlag), if recorded. */
export function feeBasisOf(db: BillingDb, customerId: string) {
  return db.selectFrom('fee_bases').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
}

export type FeeBasisValues = { net_income_ore: number; housing_cost_ore: number; household: 'single' | 'couple'; minimum_amount_raise_ore: number };

export async function upsertFeeBasis(db: BillingDb, customerId: string, values: FeeBasisValues): Promise<void> {
  await db.insertInto('fee_bases').values({ customer_id: customerId, ...values }).onConflict((oc) => oc.column('customer_id').doUpdateSet(values)).execute();
}
