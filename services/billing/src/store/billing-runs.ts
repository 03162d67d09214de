import type { BillingDb } from './db.js';

/** The month's billing run, running or done, if one was started. */
export function findBillingRun(db: BillingDb, month: string) {
  return db.selectFrom('billing_runs').selectAll().where('month', '=', month).executeTakeFirst();
}
