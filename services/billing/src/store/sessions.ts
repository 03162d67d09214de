import type { BillingDb } from './db.js';

/** The order's sessions of a month, by date and the provider's id. */
export function sessionsOfMonth(db: BillingDb, orderId: string, month: string) {
  return db.selectFrom('sessions').selectAll().where('order_id', '=', orderId).where('local_month', '=', month).orderBy('date').orderBy('external_id').execute();
}
